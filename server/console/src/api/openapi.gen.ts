// Generated from the server's OpenAPI document by openapi-typescript (tests/e2e/console-api-types.test.ts).
// Do not edit: change the routes or server/api-responses.ts and regenerate.
export interface paths {
  '/api/candidate/login': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Candidate login with the exam credentials (sets the session cookie)
     * @description No login needed.
     */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            candidate: string;
            password: string;
            session: string;
          };
        };
      };
      responses: {
        /** @description OK */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              candidate: string;
              /** @enum {string} */
              role: 'candidate';
              session: string;
            };
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/health': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * Liveness and the MQTT port
     * @description No login needed.
     */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/login': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Examiner or trainer login (sets the session cookie)
     * @description No login needed.
     */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            password: string;
            username: string;
          };
        };
      };
      responses: {
        /** @description OK */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              /** @enum {string} */
              role: 'examiner' | 'trainer';
              username: string;
            };
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/logout': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Log out
     * @description No login needed.
     */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description OK */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              ok: boolean;
            };
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/me': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * Who am I: session, tasks and their state, the lab card while a task runs
     * @description Role: candidate.
     */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description OK */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              candidate: {
                id: string;
                name: string;
                seat: string | null;
              };
              card: {
                board?: {
                  host: string;
                  port: number;
                };
                coap: {
                  url: string;
                };
                devices: {
                  channels?: {
                    quantity: string;
                    range: number[];
                    resolution: number;
                    unit: string;
                  }[];
                  coap?: {
                    observable: boolean;
                    observePeriod: number;
                    path: string;
                  };
                  id: string;
                  kind: string;
                  modbus?: {
                    registers: {
                      access: string;
                      address: number;
                      count: number;
                      offset: number;
                      quantity: string;
                      scale: number;
                      signal?: string;
                      table: string;
                      type: string;
                      unit: string;
                    }[];
                    transport: string;
                    unit: number;
                  };
                  mqtt?: {
                    commandTopic?: string;
                    period: number;
                    qos: number;
                    retain: boolean;
                    stateTopic?: string;
                    statusTopic: string;
                    telemetryTopic: string;
                  };
                  name: string;
                  title?: {
                    en: string;
                    zh: string;
                  };
                  type: string;
                }[];
                gateways?: {
                  api: string;
                  apiTls?: string;
                  name: string;
                  title?: {
                    en: string;
                    zh: string;
                  };
                }[];
                lab: {
                  labId: string;
                  scenario: string;
                  startedAt?: string;
                  title: {
                    en: string;
                    zh: string;
                  };
                };
                modbus: {
                  host: string;
                  port: number;
                };
                mqtt: {
                  ca?: {
                    path: string;
                    sha256: string;
                  };
                  clientCert?: {
                    cert: string;
                    cn: string;
                    key: string;
                  };
                  password?: string;
                  tlsOnly?: boolean;
                  tlsUrl?: string;
                  topicPrefix: string;
                  url: string;
                  username?: string;
                  wssUrl?: string;
                  wsUrl?: string;
                };
                serial?: {
                  id: string;
                  kind: string;
                  name: string;
                  pty?: string;
                  settings: {
                    baudRate: number;
                    dataBits: number;
                    parity: string;
                    stopBits: number;
                  };
                  tcp: {
                    host: string;
                    port: number;
                  };
                  title?: {
                    en: string;
                    zh: string;
                  };
                }[];
              } | null;
              currentTask: string | null;
              paper: {
                id: string;
                title: {
                  en: string;
                  zh: string;
                };
              };
              session: {
                endsAt: string;
                id: string;
                /** @enum {string} */
                mode: 'exam' | 'practice' | 'lab';
                running: boolean;
                startsAt: string;
                /** @enum {string} */
                state: 'created' | 'running' | 'stopped';
              };
              tasks: {
                id: string;
                /** @enum {string} */
                kind: 'run' | 'handin' | 'app';
                points: number;
                runs: number;
                runsAllowed: number;
                score: {
                  final: number | null;
                  /** @enum {string} */
                  status: 'final' | 'pending-examiner' | 'ungradable';
                } | null;
                startedAt: string | null;
                /** @enum {string} */
                state: 'not-started' | 'running' | 'done';
                timeLimitS: number;
                title: {
                  en: string;
                  zh: string;
                };
              }[];
              workstation: string | null;
            };
          };
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/me/ca.pem': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * The exam server's CA certificate (PEM), to trust its MQTT over TLS
     * @description The card names it `ca.pem` (mqtt.ca.path) with its SHA-256 fingerprint (mqtt.ca.sha256).
     *
     *     Role: candidate.
     */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/me/client.key': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * The private key of your client certificate (PEM, PKCS#8): keep it to yourself
     * @description Issued by the exam server's CA for this candidate only; the card names the pair `client.pem` and `client.key` (mqtt.clientCert). Presented over TLS, the certificate logs in as its CN without a password.
     *
     *     Role: candidate.
     */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/me/client.pem': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * Your client certificate (PEM) for mutual TLS: its CN is your MQTT login
     * @description Issued by the exam server's CA for this candidate only; the card names the pair `client.pem` and `client.key` (mqtt.clientCert). Presented over TLS, the certificate logs in as its CN without a password.
     *
     *     Role: candidate.
     */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/me/events': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * Live state (SSE); in practice mode with the checklist
     * @description Role: candidate.
     */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/me/files': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * The running task's files: provided ones to download, the one to hand in
     * @description Role: candidate.
     */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description OK */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              provided: {
                name: string;
                size: number | null;
              }[];
              task: string;
              upload: {
                name: string;
                size: number | null;
              } | null;
            };
          };
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/me/files/{name}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * Download a file of the running task (provided, or the one handed in)
     * @description Role: candidate.
     */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          name: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    /**
     * Hand in the file the running task captures (raw bytes, at most 20 MB)
     * @description Content-Type application/octet-stream, with the x-iotlab-csrf header.
     *
     *     Role: candidate.
     */
    put: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          name: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description OK */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              name: string;
              size: number;
            };
          };
        };
      };
    };
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/me/finish': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Finish the running task (it is graded), or close the open workstation
     * @description Role: candidate.
     */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description OK */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              candidate: {
                id: string;
                name: string;
                seat: string | null;
              };
              card: {
                board?: {
                  host: string;
                  port: number;
                };
                coap: {
                  url: string;
                };
                devices: {
                  channels?: {
                    quantity: string;
                    range: number[];
                    resolution: number;
                    unit: string;
                  }[];
                  coap?: {
                    observable: boolean;
                    observePeriod: number;
                    path: string;
                  };
                  id: string;
                  kind: string;
                  modbus?: {
                    registers: {
                      access: string;
                      address: number;
                      count: number;
                      offset: number;
                      quantity: string;
                      scale: number;
                      signal?: string;
                      table: string;
                      type: string;
                      unit: string;
                    }[];
                    transport: string;
                    unit: number;
                  };
                  mqtt?: {
                    commandTopic?: string;
                    period: number;
                    qos: number;
                    retain: boolean;
                    stateTopic?: string;
                    statusTopic: string;
                    telemetryTopic: string;
                  };
                  name: string;
                  title?: {
                    en: string;
                    zh: string;
                  };
                  type: string;
                }[];
                gateways?: {
                  api: string;
                  apiTls?: string;
                  name: string;
                  title?: {
                    en: string;
                    zh: string;
                  };
                }[];
                lab: {
                  labId: string;
                  scenario: string;
                  startedAt?: string;
                  title: {
                    en: string;
                    zh: string;
                  };
                };
                modbus: {
                  host: string;
                  port: number;
                };
                mqtt: {
                  ca?: {
                    path: string;
                    sha256: string;
                  };
                  clientCert?: {
                    cert: string;
                    cn: string;
                    key: string;
                  };
                  password?: string;
                  tlsOnly?: boolean;
                  tlsUrl?: string;
                  topicPrefix: string;
                  url: string;
                  username?: string;
                  wssUrl?: string;
                  wsUrl?: string;
                };
                serial?: {
                  id: string;
                  kind: string;
                  name: string;
                  pty?: string;
                  settings: {
                    baudRate: number;
                    dataBits: number;
                    parity: string;
                    stopBits: number;
                  };
                  tcp: {
                    host: string;
                    port: number;
                  };
                  title?: {
                    en: string;
                    zh: string;
                  };
                }[];
              } | null;
              currentTask: string | null;
              paper: {
                id: string;
                title: {
                  en: string;
                  zh: string;
                };
              };
              session: {
                endsAt: string;
                id: string;
                /** @enum {string} */
                mode: 'exam' | 'practice' | 'lab';
                running: boolean;
                startsAt: string;
                /** @enum {string} */
                state: 'created' | 'running' | 'stopped';
              };
              tasks: {
                id: string;
                /** @enum {string} */
                kind: 'run' | 'handin' | 'app';
                points: number;
                runs: number;
                runsAllowed: number;
                score: {
                  final: number | null;
                  /** @enum {string} */
                  status: 'final' | 'pending-examiner' | 'ungradable';
                } | null;
                startedAt: string | null;
                /** @enum {string} */
                state: 'not-started' | 'running' | 'done';
                timeLimitS: number;
                title: {
                  en: string;
                  zh: string;
                };
              }[];
              workstation: string | null;
            };
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/me/tasks/{task}/app': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * The web app handed in for a task (files, bytes, SHA-256), or null
     * @description Role: candidate.
     */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          task: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description OK */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              app: {
                at: string;
                bytes: number;
                files: number;
                hasIndex: boolean;
                sha256: string;
              } | null;
            };
          };
        };
      };
    };
    /**
     * Hand in a web app: a ZIP of its static files (index.html at the top)
     * @description Content-Type application/octet-stream, with the x-iotlab-csrf header.
     *
     *     Role: candidate.
     */
    put: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          task: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description OK */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              app: {
                at: string;
                bytes: number;
                files: number;
                hasIndex: boolean;
                sha256: string;
              };
            };
          };
        };
      };
    };
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/me/tasks/{task}/handins': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * A task's hand-in items and the file stored for each
     * @description Role: candidate.
     */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          task: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description OK */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              handedIn: {
                at: string;
                times: number;
              } | null;
              items: {
                file: {
                  at: string;
                  bytes: number;
                  item: string;
                  mime: string;
                  name: string;
                  sha256: string;
                  type: string;
                } | null;
                id: string;
                maxBytes: number;
                title: {
                  en: string;
                  zh: string;
                };
                types: string[];
              }[];
              task: string;
            };
          };
        };
      };
    };
    put?: never;
    /**
     * Hand in the task's files: graded at once; may be repeated while the session is open
     * @description Role: candidate.
     */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          task: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description OK */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              handedIn: {
                at: string;
                times: number;
              } | null;
              items: {
                file: {
                  at: string;
                  bytes: number;
                  item: string;
                  mime: string;
                  name: string;
                  sha256: string;
                  type: string;
                } | null;
                id: string;
                maxBytes: number;
                title: {
                  en: string;
                  zh: string;
                };
                types: string[];
              }[];
              task: string;
            };
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/me/tasks/{task}/handins/{item}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    /**
     * Upload the file of a hand-in item (raw bytes; kind told by content)
     * @description Content-Type application/octet-stream, with the x-iotlab-csrf header; ?name= the file name to show.
     *
     *     Role: candidate.
     */
    put: {
      parameters: {
        query?: {
          name?: string;
        };
        header?: never;
        path: {
          item: string;
          task: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description OK */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              at: string;
              bytes: number;
              item: string;
              mime: string;
              name: string;
              sha256: string;
              type: string;
            };
          };
        };
      };
    };
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/me/tasks/{task}/instructions': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * A task's instructions rendered with my parameters
     * @description Role: candidate.
     */
    get: {
      parameters: {
        query?: {
          lang?: 'zh' | 'en';
        };
        header?: never;
        path: {
          task: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description OK */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              /** @enum {string} */
              lang: 'zh' | 'en';
              task: string;
              text: string;
              title: string;
            };
          };
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/me/tasks/{task}/screenshots/{file}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * A screenshot the grader took of your app in the latest run (practice only)
     * @description image/png. An exam shows no screenshots, as it shows no checklist.
     *
     *     Role: candidate.
     */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          file: string;
          task: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/me/tasks/{task}/start': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Start a graded run of a task (the paper's gradedRuns each): its lab starts
     * @description Role: candidate.
     */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          task: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description OK */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              candidate: {
                id: string;
                name: string;
                seat: string | null;
              };
              card: {
                board?: {
                  host: string;
                  port: number;
                };
                coap: {
                  url: string;
                };
                devices: {
                  channels?: {
                    quantity: string;
                    range: number[];
                    resolution: number;
                    unit: string;
                  }[];
                  coap?: {
                    observable: boolean;
                    observePeriod: number;
                    path: string;
                  };
                  id: string;
                  kind: string;
                  modbus?: {
                    registers: {
                      access: string;
                      address: number;
                      count: number;
                      offset: number;
                      quantity: string;
                      scale: number;
                      signal?: string;
                      table: string;
                      type: string;
                      unit: string;
                    }[];
                    transport: string;
                    unit: number;
                  };
                  mqtt?: {
                    commandTopic?: string;
                    period: number;
                    qos: number;
                    retain: boolean;
                    stateTopic?: string;
                    statusTopic: string;
                    telemetryTopic: string;
                  };
                  name: string;
                  title?: {
                    en: string;
                    zh: string;
                  };
                  type: string;
                }[];
                gateways?: {
                  api: string;
                  apiTls?: string;
                  name: string;
                  title?: {
                    en: string;
                    zh: string;
                  };
                }[];
                lab: {
                  labId: string;
                  scenario: string;
                  startedAt?: string;
                  title: {
                    en: string;
                    zh: string;
                  };
                };
                modbus: {
                  host: string;
                  port: number;
                };
                mqtt: {
                  ca?: {
                    path: string;
                    sha256: string;
                  };
                  clientCert?: {
                    cert: string;
                    cn: string;
                    key: string;
                  };
                  password?: string;
                  tlsOnly?: boolean;
                  tlsUrl?: string;
                  topicPrefix: string;
                  url: string;
                  username?: string;
                  wssUrl?: string;
                  wsUrl?: string;
                };
                serial?: {
                  id: string;
                  kind: string;
                  name: string;
                  pty?: string;
                  settings: {
                    baudRate: number;
                    dataBits: number;
                    parity: string;
                    stopBits: number;
                  };
                  tcp: {
                    host: string;
                    port: number;
                  };
                  title?: {
                    en: string;
                    zh: string;
                  };
                }[];
              } | null;
              currentTask: string | null;
              paper: {
                id: string;
                title: {
                  en: string;
                  zh: string;
                };
              };
              session: {
                endsAt: string;
                id: string;
                /** @enum {string} */
                mode: 'exam' | 'practice' | 'lab';
                running: boolean;
                startsAt: string;
                /** @enum {string} */
                state: 'created' | 'running' | 'stopped';
              };
              tasks: {
                id: string;
                /** @enum {string} */
                kind: 'run' | 'handin' | 'app';
                points: number;
                runs: number;
                runsAllowed: number;
                score: {
                  final: number | null;
                  /** @enum {string} */
                  status: 'final' | 'pending-examiner' | 'ungradable';
                } | null;
                startedAt: string | null;
                /** @enum {string} */
                state: 'not-started' | 'running' | 'done';
                timeLimitS: number;
                title: {
                  en: string;
                  zh: string;
                };
              }[];
              workstation: string | null;
            };
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/me/tasks/{task}/workstation': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Open a task's workstation: its lab (the graded run's seed and card) to develop against, ungraded
     * @description Role: candidate.
     */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          task: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description OK */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              candidate: {
                id: string;
                name: string;
                seat: string | null;
              };
              card: {
                board?: {
                  host: string;
                  port: number;
                };
                coap: {
                  url: string;
                };
                devices: {
                  channels?: {
                    quantity: string;
                    range: number[];
                    resolution: number;
                    unit: string;
                  }[];
                  coap?: {
                    observable: boolean;
                    observePeriod: number;
                    path: string;
                  };
                  id: string;
                  kind: string;
                  modbus?: {
                    registers: {
                      access: string;
                      address: number;
                      count: number;
                      offset: number;
                      quantity: string;
                      scale: number;
                      signal?: string;
                      table: string;
                      type: string;
                      unit: string;
                    }[];
                    transport: string;
                    unit: number;
                  };
                  mqtt?: {
                    commandTopic?: string;
                    period: number;
                    qos: number;
                    retain: boolean;
                    stateTopic?: string;
                    statusTopic: string;
                    telemetryTopic: string;
                  };
                  name: string;
                  title?: {
                    en: string;
                    zh: string;
                  };
                  type: string;
                }[];
                gateways?: {
                  api: string;
                  apiTls?: string;
                  name: string;
                  title?: {
                    en: string;
                    zh: string;
                  };
                }[];
                lab: {
                  labId: string;
                  scenario: string;
                  startedAt?: string;
                  title: {
                    en: string;
                    zh: string;
                  };
                };
                modbus: {
                  host: string;
                  port: number;
                };
                mqtt: {
                  ca?: {
                    path: string;
                    sha256: string;
                  };
                  clientCert?: {
                    cert: string;
                    cn: string;
                    key: string;
                  };
                  password?: string;
                  tlsOnly?: boolean;
                  tlsUrl?: string;
                  topicPrefix: string;
                  url: string;
                  username?: string;
                  wssUrl?: string;
                  wsUrl?: string;
                };
                serial?: {
                  id: string;
                  kind: string;
                  name: string;
                  pty?: string;
                  settings: {
                    baudRate: number;
                    dataBits: number;
                    parity: string;
                    stopBits: number;
                  };
                  tcp: {
                    host: string;
                    port: number;
                  };
                  title?: {
                    en: string;
                    zh: string;
                  };
                }[];
              } | null;
              currentTask: string | null;
              paper: {
                id: string;
                title: {
                  en: string;
                  zh: string;
                };
              };
              session: {
                endsAt: string;
                id: string;
                /** @enum {string} */
                mode: 'exam' | 'practice' | 'lab';
                running: boolean;
                startsAt: string;
                /** @enum {string} */
                state: 'created' | 'running' | 'stopped';
              };
              tasks: {
                id: string;
                /** @enum {string} */
                kind: 'run' | 'handin' | 'app';
                points: number;
                runs: number;
                runsAllowed: number;
                score: {
                  final: number | null;
                  /** @enum {string} */
                  status: 'final' | 'pending-examiner' | 'ungradable';
                } | null;
                startedAt: string | null;
                /** @enum {string} */
                state: 'not-started' | 'running' | 'done';
                timeLimitS: number;
                title: {
                  en: string;
                  zh: string;
                };
              }[];
              workstation: string | null;
            };
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/papers': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * The built-in papers
     * @description Role: examiner or trainer.
     */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description OK */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              /** @enum {string} */
              counts?: 'best' | 'last';
              direction: string;
              durationMin: number;
              gaps: {
                function: string;
                points: number;
                reason: {
                  en: string;
                  zh: string;
                };
              }[];
              gradedRuns?: number;
              id: string;
              level: string;
              passMark: number;
              tasks: {
                function: string;
                id: string;
                points: number;
              }[];
              title: {
                en: string;
                zh: string;
              };
            }[];
          };
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/rosters/check': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Check a roster (CSV text) before creating a session: every line and its problems
     * @description Role: examiner.
     */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            roster: string;
          };
        };
      };
      responses: {
        /** @description OK */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              header: string[];
              ok: boolean;
              problems: string[];
              rows: {
                cells: {
                  [key: string]: string;
                };
                line: number;
                problems: {
                  code: string;
                  message: string;
                  params: {
                    [key: string]: string;
                  };
                }[];
              }[];
            };
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/server/status': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * The server's own figures: memory (RSS and the JS heap), labs running, uptime
     * @description Role: examiner or trainer.
     */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description OK */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              labs: number;
              memory: {
                arrayBuffersMb: number;
                externalMb: number;
                heapTotalMb: number;
                heapUsedMb: number;
                rssMb: number;
              };
              uptimeS: number;
            };
          };
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/sessions': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * All sessions
     * @description Role: examiner or trainer.
     */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description OK */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              createdAt: string;
              endsAt: string;
              id: string;
              /** @enum {string} */
              mode: 'exam' | 'practice' | 'lab';
              paper: string;
              running: boolean;
              seatLock: boolean;
              startsAt: string;
              /** @enum {string} */
              state: 'created' | 'running' | 'stopped';
            }[];
          };
        };
      };
    };
    put?: never;
    /**
     * Create a session from a paper and a roster (CSV text)
     * @description Role: examiner.
     */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            /** @enum {string} */
            counts?: 'best' | 'last';
            durationMin?: number;
            gradedRuns?: number;
            marking?: {
              /**
               * @default median
               * @enum {string}
               */
              aggregate?: 'median' | 'mean';
              /** @default true */
              blind?: boolean;
              chief: string;
              examiners: string[];
              /** @default 3 */
              panelSize?: number;
              /** @default 0.2 */
              spread?: number;
            };
            /** @enum {string} */
            mode: 'exam' | 'practice' | 'lab';
            paper: string | unknown;
            roster: string;
            seatLock?: boolean;
            /** Format: date-time */
            startsAt?: string;
          };
        };
      };
      responses: {
        /** @description OK */
        201: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              candidates: {
                id: string;
                password: string;
                username: string;
              }[];
              id: string;
              warnings: string[];
            };
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/sessions/{id}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * A session with its candidates and their ports
     * @description Role: examiner or trainer.
     */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description OK */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              candidates: {
                id: string;
                ip: string | null;
                name: string;
                ports: {
                  coap: number;
                  count: number;
                  modbus: number;
                  serialFrom: number;
                };
                seat: string | null;
                topicPrefix: string;
                username: string;
              }[];
              createdAt: string;
              endsAt: string;
              id: string;
              /** @enum {string} */
              mode: 'exam' | 'practice' | 'lab';
              paper: {
                /** @enum {string} */
                counts?: 'best' | 'last';
                direction: string;
                durationMin: number;
                gaps: {
                  function: string;
                  points: number;
                  reason: {
                    en: string;
                    zh: string;
                  };
                }[];
                gradedRuns?: number;
                id: string;
                level: string;
                passMark: number;
                tasks: {
                  function: string;
                  id: string;
                  points: number;
                }[];
                title: {
                  en: string;
                  zh: string;
                };
              };
              running: boolean;
              seatLock: boolean;
              startsAt: string;
              /** @enum {string} */
              state: 'created' | 'running' | 'stopped';
            };
          };
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/sessions/{id}/audit': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * The session's append-only audit log
     * @description Role: examiner.
     */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description OK */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              action: string;
              actor: string;
              at: string;
              detail: unknown;
              seq: number;
              sessionId: string | null;
            }[];
          };
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/sessions/{id}/candidates/{cid}/grade': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Grade a candidate's finished attempts now
     * @description Role: examiner.
     */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          cid: string;
          id: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/sessions/{id}/candidates/{cid}/manual': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Examiner points for a manual check, with a reason (audited)
     * @description Role: examiner.
     */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          cid: string;
          id: string;
        };
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            check: string;
            points: number;
            reason: string;
            task: string;
          };
        };
      };
      responses: {
        /** @description OK */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              final: number | null;
              marks: {
                at: string;
                autoAtMark: number | null;
                autoNow: number | null;
                check: string;
                disagrees: boolean;
                examiner: string;
                /** @enum {string} */
                kind: 'manual' | 'override';
                max: number | null;
                points: number;
                reason: string;
              }[];
              /** @enum {string} */
              status?: 'final' | 'pending-examiner' | 'ungradable';
              task: string;
            };
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/sessions/{id}/candidates/{cid}/overrides': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Override any check's points, with a reason (audited; kept by a regrade)
     * @description Sets the points of any check of a graded attempt (automatic or manual) in place of the grader's, keeping the grader's figure it was made against. Posting again replaces the override (the audit keeps both). Points from 0 to the check maximum (SCORE_OUT_OF_RANGE), a reason of at least 3 characters (REASON_REQUIRED).
     *
     *     Role: examiner.
     */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          cid: string;
          id: string;
        };
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            check: string;
            points: number;
            reason: string;
            task: string;
          };
        };
      };
      responses: {
        /** @description OK */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              final: number | null;
              marks: {
                at: string;
                autoAtMark: number | null;
                autoNow: number | null;
                check: string;
                disagrees: boolean;
                examiner: string;
                /** @enum {string} */
                kind: 'manual' | 'override';
                max: number | null;
                points: number;
                reason: string;
              }[];
              /** @enum {string} */
              status?: 'final' | 'pending-examiner' | 'ungradable';
              task: string;
            };
          };
        };
      };
    };
    /**
     * Withdraw the examiner's mark for a check, with a reason (audited)
     * @description The grader's figure counts again (a manual check waits for an examiner again). MARK_NOT_FOUND when the check has no mark in force.
     *
     *     Role: examiner.
     */
    delete: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          cid: string;
          id: string;
        };
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            check: string;
            reason: string;
            task: string;
          };
        };
      };
      responses: {
        /** @description OK */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              final: number | null;
              marks: {
                at: string;
                autoAtMark: number | null;
                autoNow: number | null;
                check: string;
                disagrees: boolean;
                examiner: string;
                /** @enum {string} */
                kind: 'manual' | 'override';
                max: number | null;
                points: number;
                reason: string;
              }[];
              /** @enum {string} */
              status?: 'final' | 'pending-examiner' | 'ungradable';
              task: string;
            };
          };
        };
      };
    };
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/sessions/{id}/candidates/{cid}/report': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * A candidate's report for a task (HTML)
     * @description Role: examiner.
     */
    get: {
      parameters: {
        query: {
          lang?: 'zh' | 'en';
          task: string;
        };
        header?: never;
        path: {
          cid: string;
          id: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/sessions/{id}/export': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * The score sheet: csv, csv-long, xlsx or json
     * @description Role: examiner.
     */
    get: {
      parameters: {
        query?: {
          format?: 'csv' | 'csv-long' | 'xlsx' | 'json';
          lang?: 'zh' | 'en';
        };
        header?: never;
        path: {
          id: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/sessions/{id}/extend': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Extend the session's time window (audited)
     * @description Role: examiner.
     */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: string;
        };
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            minutes: number;
          };
        };
      };
      responses: {
        /** @description OK */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              endsAt: string;
              id: string;
            };
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/sessions/{id}/marking': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * The examiner's marking queue: the manual checks of their panels' candidates
     * @description Role: examiner.
     */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description OK */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              /** @enum {string} */
              aggregate: 'median' | 'mean';
              blind: boolean;
              chief: boolean;
              examiner: string;
              items: {
                anon: string;
                candidate: {
                  id: string;
                  name: string;
                } | null;
                check: string;
                final: {
                  at: string;
                  by: string;
                  points: number;
                  reason: string;
                } | null;
                handIn: {
                  bytes: number;
                  item: string;
                  name: string;
                  sha256: string;
                  type: string;
                } | null;
                marked: number;
                max: number;
                mine: {
                  at: string;
                  candidateId: string;
                  checkId: string;
                  comment: string;
                  criteria: {
                    [key: string]: number;
                  };
                  examiner: string;
                  handinSha256: string | null;
                  points: number;
                  taskId: string;
                } | null;
                panelSize: number;
                spread: number | null;
                /** @enum {string} */
                state: 'open' | 'reconcile' | 'final';
                task: string;
                title: {
                  en: string;
                  zh: string;
                };
              }[];
              panels: {
                candidates: number;
                examiners: string[];
              }[];
              session: string;
              spread: number;
            };
          };
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/sessions/{id}/marking/{anon}/{task}/{check}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * One item to mark: rubric, hand-in, own mark (others only after marking it)
     * @description Role: examiner.
     */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          anon: string;
          check: string;
          id: string;
          task: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description OK */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              anon: string;
              candidate: {
                id: string;
                name: string;
              } | null;
              check: string;
              final: {
                at: string;
                by: string;
                points: number;
                reason: string;
              } | null;
              handIn: {
                bytes: number;
                item: string;
                name: string;
                sha256: string;
                type: string;
              } | null;
              marked: number;
              marks:
                | {
                    at: string;
                    candidateId: string;
                    checkId: string;
                    comment: string;
                    criteria: {
                      [key: string]: number;
                    };
                    examiner: string;
                    handinSha256: string | null;
                    points: number;
                    taskId: string;
                  }[]
                | null;
              max: number;
              mine: {
                at: string;
                candidateId: string;
                checkId: string;
                comment: string;
                criteria: {
                  [key: string]: number;
                };
                examiner: string;
                handinSha256: string | null;
                points: number;
                taskId: string;
              } | null;
              panelSize: number;
              rubric: {
                criteria: {
                  id: string;
                  levels: {
                    points: number;
                    text: {
                      en: string;
                      zh: string;
                    };
                  }[];
                  points: number;
                  title: {
                    en: string;
                    zh: string;
                  };
                }[];
                handIn?: string;
              };
              spread: number | null;
              /** @enum {string} */
              state: 'open' | 'reconcile' | 'final';
              task: string;
              title: {
                en: string;
                zh: string;
              };
            };
          };
        };
      };
    };
    /**
     * Submit (or change) my mark of an item: points per criterion and a comment
     * @description Role: examiner.
     */
    put: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          anon: string;
          check: string;
          id: string;
          task: string;
        };
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            /** @default  */
            comment?: string;
            criteria: {
              [key: string]: number;
            };
          };
        };
      };
      responses: {
        /** @description OK */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              anon: string;
              candidate: {
                id: string;
                name: string;
              } | null;
              check: string;
              final: {
                at: string;
                by: string;
                points: number;
                reason: string;
              } | null;
              handIn: {
                bytes: number;
                item: string;
                name: string;
                sha256: string;
                type: string;
              } | null;
              marked: number;
              marks:
                | {
                    at: string;
                    candidateId: string;
                    checkId: string;
                    comment: string;
                    criteria: {
                      [key: string]: number;
                    };
                    examiner: string;
                    handinSha256: string | null;
                    points: number;
                    taskId: string;
                  }[]
                | null;
              max: number;
              mine: {
                at: string;
                candidateId: string;
                checkId: string;
                comment: string;
                criteria: {
                  [key: string]: number;
                };
                examiner: string;
                handinSha256: string | null;
                points: number;
                taskId: string;
              } | null;
              panelSize: number;
              rubric: {
                criteria: {
                  id: string;
                  levels: {
                    points: number;
                    text: {
                      en: string;
                      zh: string;
                    };
                  }[];
                  points: number;
                  title: {
                    en: string;
                    zh: string;
                  };
                }[];
                handIn?: string;
              };
              spread: number | null;
              /** @enum {string} */
              state: 'open' | 'reconcile' | 'final';
              task: string;
              title: {
                en: string;
                zh: string;
              };
            };
          };
        };
      };
    };
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/sessions/{id}/marking/{anon}/{task}/{check}/reconcile': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * The chief examiner's mark of an item whose marks spread, or a change to a final mark
     * @description Role: examiner.
     */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          anon: string;
          check: string;
          id: string;
          task: string;
        };
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            points: number;
            reason: string;
          };
        };
      };
      responses: {
        /** @description OK */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              anon: string;
              candidate: {
                id: string;
                name: string;
              } | null;
              check: string;
              final: {
                at: string;
                by: string;
                points: number;
                reason: string;
              } | null;
              handIn: {
                bytes: number;
                item: string;
                name: string;
                sha256: string;
                type: string;
              } | null;
              marked: number;
              marks:
                | {
                    at: string;
                    candidateId: string;
                    checkId: string;
                    comment: string;
                    criteria: {
                      [key: string]: number;
                    };
                    examiner: string;
                    handinSha256: string | null;
                    points: number;
                    taskId: string;
                  }[]
                | null;
              max: number;
              mine: {
                at: string;
                candidateId: string;
                checkId: string;
                comment: string;
                criteria: {
                  [key: string]: number;
                };
                examiner: string;
                handinSha256: string | null;
                points: number;
                taskId: string;
              } | null;
              panelSize: number;
              rubric: {
                criteria: {
                  id: string;
                  levels: {
                    points: number;
                    text: {
                      en: string;
                      zh: string;
                    };
                  }[];
                  points: number;
                  title: {
                    en: string;
                    zh: string;
                  };
                }[];
                handIn?: string;
              };
              spread: number | null;
              /** @enum {string} */
              state: 'open' | 'reconcile' | 'final';
              task: string;
              title: {
                en: string;
                zh: string;
              };
            };
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/sessions/{id}/marking/{anon}/{task}/handins/{item}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * A hand-in to mark: raw (PDF, images, text) or DOCX as HTML
     * @description Role: examiner.
     */
    get: {
      parameters: {
        query?: {
          view?: 'raw' | 'html';
        };
        header?: never;
        path: {
          anon: string;
          id: string;
          item: string;
          task: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description OK */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              html: string;
            };
          };
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/sessions/{id}/progress': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * Live progress of every candidate
     * @description Role: examiner or trainer.
     */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description OK */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              candidates: {
                attempts: {
                  evidenceBytes: number;
                  state: string;
                  task: string;
                }[];
                connected: number;
                currentTask: string | null;
                flags: {
                  count: number;
                  kind: string;
                  message: {
                    en: string;
                    zh: string;
                  };
                  subject: string;
                  task: string;
                }[];
                grades: {
                  final: number | null;
                  /** @enum {string} */
                  status: 'final' | 'pending-examiner' | 'ungradable';
                  task: string;
                }[];
                id: string;
                name: string;
                result: string;
                seat: string | null;
                total: number | null;
              }[];
              session: {
                endsAt: string;
                id: string;
                /** @enum {string} */
                mode: 'exam' | 'practice' | 'lab';
                /** @enum {string} */
                state: 'created' | 'running' | 'stopped';
              };
              sheet: {
                max: number;
                passMark: number;
              };
              tasks: {
                id: string;
                points: number;
              }[];
            };
          };
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/sessions/{id}/regrade': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * Regrade preview: the score diff, not yet published
     * @description Role: examiner.
     */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description OK */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              after: number | null;
              /** @enum {string} */
              afterStatus: 'final' | 'pending-examiner' | 'ungradable';
              before: number | null;
              /** @enum {string} */
              beforeStatus: 'final' | 'pending-examiner' | 'ungradable';
              candidate: string;
              changed: boolean;
              disagrees: {
                autoAtMark: number | null;
                autoNow: number | null;
                check: string;
                examiner: string;
                /** @enum {string} */
                kind: 'manual' | 'override';
                points: number;
              }[];
              task: string;
            }[];
          };
        };
      };
    };
    put?: never;
    /**
     * Regrade the session from evidence and publish (audited)
     * @description Role: examiner.
     */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description OK */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              changed: {
                after: number | null;
                /** @enum {string} */
                afterStatus: 'final' | 'pending-examiner' | 'ungradable';
                before: number | null;
                /** @enum {string} */
                beforeStatus: 'final' | 'pending-examiner' | 'ungradable';
                candidate: string;
                changed: boolean;
                disagrees: {
                  autoAtMark: number | null;
                  autoNow: number | null;
                  check: string;
                  examiner: string;
                  /** @enum {string} */
                  kind: 'manual' | 'override';
                  points: number;
                }[];
                task: string;
              }[];
              disagreeing: {
                after: number | null;
                /** @enum {string} */
                afterStatus: 'final' | 'pending-examiner' | 'ungradable';
                before: number | null;
                /** @enum {string} */
                beforeStatus: 'final' | 'pending-examiner' | 'ungradable';
                candidate: string;
                changed: boolean;
                disagrees: {
                  autoAtMark: number | null;
                  autoNow: number | null;
                  check: string;
                  examiner: string;
                  /** @enum {string} */
                  kind: 'manual' | 'override';
                  points: number;
                }[];
                task: string;
              }[];
              graded: number;
            };
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/sessions/{id}/reports': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * Every report of the session (JSON)
     * @description Role: examiner.
     */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description OK */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              candidate: string;
              final: number | null;
              marks: {
                at: string;
                autoAtMark: number | null;
                autoNow: number | null;
                check: string;
                disagrees: boolean;
                examiner: string;
                /** @enum {string} */
                kind: 'manual' | 'override';
                max: number | null;
                points: number;
                reason: string;
              }[];
              panel: {
                at: string;
                candidateId: string;
                checkId: string;
                comment: string;
                criteria: {
                  [key: string]: number;
                };
                examiner: string;
                handinSha256: string | null;
                points: number;
                taskId: string;
              }[];
              report: {
                gradable: boolean;
                max_score: number;
                passed: boolean;
                problems: {
                  line?: number;
                  message: string;
                }[];
                run: {
                  stopped: string;
                };
                score: number;
                task: {
                  id: string;
                  title: {
                    en: string;
                    zh: string;
                  };
                };
                tests: {
                  expected: string;
                  hint?: {
                    en: string;
                    zh: string;
                  };
                  id: string;
                  manual: boolean;
                  max_score: number;
                  name: string;
                  /** @enum {string} */
                  outcome: 'passed' | 'partial' | 'failed' | 'manual';
                  score: number;
                  seen: string;
                  tags: string[];
                  title: {
                    en: string;
                    zh: string;
                  };
                }[];
              };
              /** @enum {string} */
              status: 'final' | 'pending-examiner' | 'ungradable';
              task: string;
            }[];
          };
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/sessions/{id}/slips': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * Login slips: each candidate's credentials (audited)
     * @description Role: examiner.
     */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description OK */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              candidate: string;
              loginUrl: string;
              mqttUsername: string;
              name: string;
              password: string;
              qrSvg: string;
              seat: string | null;
              session: string;
            }[];
          };
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/sessions/{id}/start': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Start a session
     * @description Role: examiner or trainer.
     */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description OK */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              id: string;
              /** @enum {string} */
              state: 'created' | 'running' | 'stopped';
            };
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/sessions/{id}/stop': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Stop a session (running attempts are graded)
     * @description Role: examiner or trainer.
     */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description OK */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              id: string;
              /** @enum {string} */
              state: 'created' | 'running' | 'stopped';
            };
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/trainer/labs': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * The labs running now
     * @description Role: examiner or trainer.
     */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description OK */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              candidate: string;
              devices: number;
              faults: number;
              /** @enum {string|null} */
              mode: 'exam' | 'practice' | 'lab' | null;
              name: string | null;
              session: string;
              t: number;
              task: string;
            }[];
          };
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/trainer/labs/{session}/{candidate}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * A lab's devices: live values, actuator states, active faults
     * @description Role: examiner or trainer.
     */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          candidate: string;
          session: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description OK */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              broker: {
                faultTypes: (
                  | 'offline'
                  | 'stuck'
                  | 'drift'
                  | 'noise'
                  | 'spike'
                  | 'slow'
                  | 'no-response'
                  | 'crc-error'
                  | 'tls-expired'
                  | 'tls-wrong-host'
                  | 'tls-untrusted-ca'
                  | 'cert-revoked'
                  | 'acl-deny'
                  | 'password-changed'
                  | 'key-rotated'
                )[];
                tls: {
                  clientCertRevoked: boolean;
                  /** @enum {string} */
                  serverCert: 'valid' | 'expired' | 'wrong-host' | 'untrusted-ca';
                } | null;
              };
              candidate: string;
              devices: {
                actuator: boolean;
                bindings: string[];
                channels: {
                  quantity: string;
                  range: number[];
                  unit: string;
                }[];
                faultTypes: (
                  | 'offline'
                  | 'stuck'
                  | 'drift'
                  | 'noise'
                  | 'spike'
                  | 'slow'
                  | 'no-response'
                  | 'crc-error'
                  | 'tls-expired'
                  | 'tls-wrong-host'
                  | 'tls-untrusted-ca'
                  | 'cert-revoked'
                  | 'acl-deny'
                  | 'password-changed'
                  | 'key-rotated'
                )[];
                id: string;
                kind: string;
                name: string;
                title?: {
                  en: string;
                  zh: string;
                };
              }[];
              faultTypes: (
                | 'offline'
                | 'stuck'
                | 'drift'
                | 'noise'
                | 'spike'
                | 'slow'
                | 'no-response'
                | 'crc-error'
                | 'tls-expired'
                | 'tls-wrong-host'
                | 'tls-untrusted-ca'
                | 'cert-revoked'
                | 'acl-deny'
                | 'password-changed'
                | 'key-rotated'
              )[];
              live: {
                devices: {
                  faults: string[];
                  id: string;
                  online: boolean;
                  state?: {
                    [key: string]: unknown;
                  };
                  values?: {
                    [key: string]: number | boolean;
                  };
                }[];
                faults: {
                  amplitude?: number;
                  delayMs?: number;
                  device: string;
                  deviceId: string;
                  end?: number;
                  id: string;
                  rate?: number;
                  start: number;
                  /** @enum {string} */
                  type:
                    | 'offline'
                    | 'stuck'
                    | 'drift'
                    | 'noise'
                    | 'spike'
                    | 'slow'
                    | 'no-response'
                    | 'crc-error'
                    | 'tls-expired'
                    | 'tls-wrong-host'
                    | 'tls-untrusted-ca'
                    | 'cert-revoked'
                    | 'acl-deny'
                    | 'password-changed'
                    | 'key-rotated';
                  value?: number;
                }[];
                t: number;
              };
              session: {
                id: string;
                /** @enum {string} */
                mode: 'exam' | 'practice' | 'lab';
              };
              task: string;
            };
          };
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/trainer/labs/{session}/{candidate}/acl': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * A lab's access policy in force, with its version
     * @description Role: examiner or trainer.
     */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          candidate: string;
          session: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description OK */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              policy: {
                /** @enum {string} */
                default: 'allow' | 'deny';
                rules: {
                  /** @enum {string} */
                  action: 'publish' | 'subscribe' | 'all';
                  clientId?: string;
                  cn?: string;
                  id: string;
                  /** @enum {string} */
                  permission: 'allow' | 'deny';
                  topic: string;
                  username?: string;
                }[];
              };
              version: number;
            };
          };
        };
      };
    };
    /**
     * Replace a lab's access policy (in force at once; audited with before and after; exam labs: examiners only)
     * @description Role: examiner or trainer.
     */
    put: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          candidate: string;
          session: string;
        };
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            /**
             * @default allow
             * @enum {string}
             */
            default?: 'allow' | 'deny';
            /** @default [] */
            rules?: {
              /** @enum {string} */
              action: 'publish' | 'subscribe' | 'all';
              clientId?: string;
              cn?: string;
              id?: string;
              /** @enum {string} */
              permission: 'allow' | 'deny';
              topic: string;
              username?: string;
            }[];
          };
        };
      };
      responses: {
        /** @description OK */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              policy: {
                /** @enum {string} */
                default: 'allow' | 'deny';
                rules: {
                  /** @enum {string} */
                  action: 'publish' | 'subscribe' | 'all';
                  clientId?: string;
                  cn?: string;
                  id: string;
                  /** @enum {string} */
                  permission: 'allow' | 'deny';
                  topic: string;
                  username?: string;
                }[];
              };
              version: number;
            };
          };
        };
      };
    };
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/trainer/labs/{session}/{candidate}/events': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * Live values (SSE: live once a second, ended when the lab stops)
     * @description Role: examiner or trainer.
     */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          candidate: string;
          session: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/trainer/labs/{session}/{candidate}/faults': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Inject a fault (recorded as evidence; exam labs: examiners only)
     * @description Role: examiner or trainer.
     */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          candidate: string;
          session: string;
        };
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            amplitude?: number;
            delayMs?: number;
            device: string;
            duration?: number;
            password?: string;
            rate?: number;
            /** @enum {string} */
            type:
              | 'offline'
              | 'stuck'
              | 'drift'
              | 'noise'
              | 'spike'
              | 'slow'
              | 'no-response'
              | 'crc-error'
              | 'tls-expired'
              | 'tls-wrong-host'
              | 'tls-untrusted-ca'
              | 'cert-revoked'
              | 'acl-deny'
              | 'password-changed'
              | 'key-rotated';
            value?: number;
          };
        };
      };
      responses: {
        /** @description OK */
        201: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              amplitude?: number;
              delayMs?: number;
              deviceId: string;
              end?: number;
              id: string;
              rate?: number;
              start: number;
              /** @enum {string} */
              type:
                | 'offline'
                | 'stuck'
                | 'drift'
                | 'noise'
                | 'spike'
                | 'slow'
                | 'no-response'
                | 'crc-error'
                | 'tls-expired'
                | 'tls-wrong-host'
                | 'tls-untrusted-ca'
                | 'cert-revoked'
                | 'acl-deny'
                | 'password-changed'
                | 'key-rotated';
              value?: number;
            };
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/trainer/labs/{session}/{candidate}/faults/{fault}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    post?: never;
    /**
     * Clear a fault
     * @description Role: examiner or trainer.
     */
    delete: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          candidate: string;
          fault: string;
          session: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description OK */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              amplitude?: number;
              delayMs?: number;
              deviceId: string;
              end?: number;
              id: string;
              rate?: number;
              start: number;
              /** @enum {string} */
              type:
                | 'offline'
                | 'stuck'
                | 'drift'
                | 'noise'
                | 'spike'
                | 'slow'
                | 'no-response'
                | 'crc-error'
                | 'tls-expired'
                | 'tls-wrong-host'
                | 'tls-untrusted-ca'
                | 'cert-revoked'
                | 'acl-deny'
                | 'password-changed'
                | 'key-rotated';
              value?: number;
            };
          };
        };
      };
    };
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/trainer/labs/{session}/{candidate}/reset': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Reset a lab: end active faults, actuators to their initial state
     * @description Role: examiner or trainer.
     */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          candidate: string;
          session: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description OK */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              actuators: {
                id: string;
                on: boolean;
              }[];
              cleared: string[];
            };
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/users': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * Staff accounts (examiners, trainers)
     * @description Role: examiner.
     */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description OK */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              createdAt: string;
              /** @enum {string} */
              role: 'examiner' | 'trainer';
              username: string;
            }[];
          };
        };
      };
    };
    put?: never;
    /**
     * Create or reset a staff account (the admin account only; audited)
     * @description Role: examiner.
     */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            password: string;
            /** @enum {string} */
            role: 'examiner' | 'trainer';
            username: string;
          };
        };
      };
      responses: {
        /** @description OK */
        201: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              /** @enum {string} */
              role: 'examiner' | 'trainer';
              username: string;
            };
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/whoami': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * Who is logged in (role, user or candidate id, session)
     * @description No login needed.
     */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description OK */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              /** @enum {string} */
              role: 'examiner' | 'trainer' | 'candidate';
              session: string | null;
              subject: string;
            };
          };
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
}
export type webhooks = Record<string, never>;
export interface components {
  schemas: {
    ChecklistEvent: {
      checks: {
        hint?: {
          en: string;
          zh: string;
        };
        id: string;
        /** @enum {string} */
        status: 'passed' | 'partial' | 'failed' | 'manual';
        title: {
          en: string;
          zh: string;
        };
      }[];
      screenshots?: {
        file: string;
        name: string;
        step: number;
      }[];
      task: string;
    };
    EndedEvent: {
      task: string;
    };
    ErrorReply: {
      error: {
        code: number;
        message: string;
        name: string;
        problems?: {
          file?: string;
          message: string;
          path?: string;
        }[];
      };
    };
    LiveEvent: {
      devices: {
        faults: string[];
        id: string;
        online: boolean;
        state?: {
          [key: string]: unknown;
        };
        values?: {
          [key: string]: number | boolean;
        };
      }[];
      faults: {
        amplitude?: number;
        delayMs?: number;
        device: string;
        deviceId: string;
        end?: number;
        id: string;
        rate?: number;
        start: number;
        /** @enum {string} */
        type:
          | 'offline'
          | 'stuck'
          | 'drift'
          | 'noise'
          | 'spike'
          | 'slow'
          | 'no-response'
          | 'crc-error'
          | 'tls-expired'
          | 'tls-wrong-host'
          | 'tls-untrusted-ca'
          | 'cert-revoked'
          | 'acl-deny'
          | 'password-changed'
          | 'key-rotated';
        value?: number;
      }[];
      t: number;
    };
    StateEvent: {
      what: string;
    };
  };
  responses: never;
  parameters: never;
  requestBodies: never;
  headers: never;
  pathItems: never;
}
export type $defs = Record<string, never>;
export type operations = Record<string, never>;
