// The scene table of the instructions (it differs per candidate), as data.
window.SCENES = {
  home: { valve: true, light: true },
  sleep: { light: false, fan: true },
  away: { valve: false, light: false, fan: false, buzzer: false },
};
