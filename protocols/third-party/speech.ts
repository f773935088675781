/**
 * The speech service's synthesiser (docs/third-party/tts.md): text in, a real WAV file out
 * (RIFF/WAVE, PCM 16-bit, mono), deterministic — the same text, voice and speed give the same
 * bytes. Not a voice: each character is a short tone whose pitch comes from its code point (so
 * different texts sound different and a player shows a real waveform), spaces and punctuation
 * are pauses. Pure.
 */

export const TTS_SAMPLE_RATE = 16_000;
/** The longest text one request may synthesise (characters). */
export const TTS_MAX_CHARS = 500;
export const TTS_VOICES = ['female', 'male'] as const;
export type TtsVoice = (typeof TTS_VOICES)[number];

const PAUSE = /[\s,.;:!?，。；：！？、…—·"'“”‘’()（）]/u;

export interface Speech {
  wav: Buffer;
  durationMs: number;
  chars: number;
}

/** One character's tone (Hz): a pitch from its code point, in the voice's range. */
function pitch(codePoint: number, voice: TtsVoice): number {
  const base = voice === 'female' ? 220 : 110;
  return base * 2 ** (((codePoint * 7919) % 24) / 12);
}

/**
 * Synthesises `text` (at most TTS_MAX_CHARS characters) at `speed` 0.5–2 (1: 4 characters a
 * second, pauses half as long as a character).
 */
export function synthesize(text: string, voice: TtsVoice = 'female', speed = 1): Speech {
  const chars = [...text];
  const charSamples = Math.round((TTS_SAMPLE_RATE * 0.25) / speed);
  const pauseSamples = Math.round(charSamples / 2);
  const lengths = chars.map((c) => (PAUSE.test(c) ? pauseSamples : charSamples));
  const total = lengths.reduce((a, b) => a + b, 0);
  const pcm = Buffer.alloc(total * 2);
  let at = 0;
  chars.forEach((c, i) => {
    const n = lengths[i]!;
    if (!PAUSE.test(c)) {
      const f = pitch(c.codePointAt(0)!, voice);
      // A fundamental and its octave, shaped by a sine envelope so the tones do not click.
      for (let k = 0; k < n; k++) {
        const env = Math.sin((Math.PI * k) / n);
        const ph = (2 * Math.PI * f * k) / TTS_SAMPLE_RATE;
        const v = env * (0.6 * Math.sin(ph) + 0.25 * Math.sin(2 * ph));
        pcm.writeInt16LE(Math.round(v * 0.8 * 32767), (at + k) * 2);
      }
    }
    at += n;
  });
  return {
    wav: wavFile(pcm),
    durationMs: Math.round((total / TTS_SAMPLE_RATE) * 1000),
    chars: chars.length,
  };
}

/** A RIFF/WAVE file around 16-bit mono PCM (the canonical 44-byte header). */
export function wavFile(pcm: Buffer, sampleRate = TTS_SAMPLE_RATE): Buffer {
  const h = Buffer.alloc(44);
  h.write('RIFF', 0, 'ascii');
  h.writeUInt32LE(36 + pcm.length, 4); // RIFF chunk size: the rest of the file
  h.write('WAVE', 8, 'ascii');
  h.write('fmt ', 12, 'ascii');
  h.writeUInt32LE(16, 16); // fmt chunk size (PCM)
  h.writeUInt16LE(1, 20); // audio format 1: PCM
  h.writeUInt16LE(1, 22); // channels: mono
  h.writeUInt32LE(sampleRate, 24);
  h.writeUInt32LE(sampleRate * 2, 28); // byte rate: rate × channels × 2 bytes
  h.writeUInt16LE(2, 32); // block align: channels × 2 bytes
  h.writeUInt16LE(16, 34); // bits per sample
  h.write('data', 36, 'ascii');
  h.writeUInt32LE(pcm.length, 40);
  return Buffer.concat([h, pcm]);
}
