/**
 * The one config schema: the single source of types (z.infer), defaults (.default), descriptions (.describe), the
 * exported JSON schema (`catwatch config schema`) and the README's config reference. Objects are strict: an unknown
 * key is an error, so a typo never silently falls back to a default.
 */
import { CAMERA_CONDITIONS } from '../image/camera-condition.js';
import { z } from 'zod';
import { BACKBONE_NAMES } from '../model/backbone-catalogue.js';
import { isLoopbackName } from '../util/loopback.js';

/**
 * Secret-bearing settings are marked in the schema once (`x-secret` in the exported JSON schema): 'url' for URLs that
 * may carry credentials (the userinfo and token query parameters are hidden), 'value' for settings hidden whole.
 * `config show` and everything else that prints a config redacts from this mark (src/config/redact-config.ts).
 */
export type SecretKind = 'url' | 'value';
function secret<T extends z.ZodType>(schema: T, kind: SecretKind): T {
  return schema.meta({ ...(schema.meta() ?? {}), 'x-secret': kind });
}

const cameraName = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'expected 1-63 lower-case letters, digits, "_" or "-" (it becomes an MQTT topic level)');

/** rtsp://, rtsps://, file:// URLs or a plain file path (for tests and demos). */
const cameraUrl = z
  .string()
  .min(1)
  // Control characters (a NUL above all) would reach ffmpeg's argv and crash the spawn.
  .refine((u) => ![...u].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f), { message: 'contains a control character' })
  .refine((u) => /^(rtsps?|file):\/\//i.test(u) || (!/^[a-z][a-z0-9+.-]*:\/\//i.test(u) && u.length > 0), {
    message: 'expected an rtsp://, rtsps:// or file URL (or a plain file path)',
  })
  // file://host/path names a remote host, which a file URL cannot reach: only file:///path (or file://localhost/).
  .refine((u) => !/^file:\/\//i.test(u) || /^file:\/\/(localhost)?\//i.test(u), { message: 'a file URL must be file:///absolute/path (no host)' });

const region = z.strictObject({
  x: z.number().min(0).max(1).describe('Left edge, as a fraction of the frame width.'),
  y: z.number().min(0).max(1).describe('Top edge, as a fraction of the frame height.'),
  w: z.number().gt(0).max(1).describe('Width, as a fraction of the frame width.'),
  h: z.number().gt(0).max(1).describe('Height, as a fraction of the frame height.'),
});

const point = z.tuple([z.number().min(0).max(1), z.number().min(0).max(1)]);
const polygon = z.strictObject({
  points: z.array(point).min(3).max(100).describe('Corners [x, y], as fractions of the frame width and height, in drawing order.'),
});

const motionSchema = z
  .strictObject({
    enabled: z.boolean().default(true).describe('Score only regions with motion (plus a periodic full frame). Off: score every frame whole.'),
    threshold: z.number().int().min(1).max(255).default(25).describe('Grey-level difference (0-255, after contrast normalisation) from the background that counts as motion.'),
    minAreaFraction: z.number().min(0).max(1).default(0.002).describe('Ignore motion boxes smaller than this fraction of the frame.'),
    fullFrameIntervalS: z.number().min(1).default(5).describe('Score the full frame at least this often, so a motionless target is not missed.'),
    improveContrast: z.boolean().default(true).describe('Stretch each frame\'s grey levels (4th-96th percentile, averaged over 50 frames) so dark scenes keep their sensitivity.'),
    lightingChangeFraction: z.number().gt(0).max(1).default(0.6).describe('When more of the unmasked frame than this changes at once (a flash, the IR switch, clouds), the detector recalibrates: no regions are scored until the background is relearnt.'),
    masks: z.array(z.union([region, polygon])).default([]).describe('Where motion is ignored (timestamps, trees): rectangles {x, y, w, h} or polygons {points: [[x, y], ...]}.'),
  })
  .describe('Motion gating: cheap frame differencing decides what gets scored.');

const cameraSchema = z.strictObject({
  name: cameraName.describe('Camera id; used in MQTT topics and logs.'),
  url: secret(cameraUrl.describe('Stream URL: rtsp://user:pass@host/path, rtsps://..., file:///path.mp4 or a plain path.'), 'url'),
  enabled: z.boolean().default(true).describe('Disabled cameras are not started.'),
  detectFps: z.number().gt(0).max(30).default(5).describe('Frames per second decoded and considered for detection.'),
  width: z.number().int().min(64).max(3840).default(640).describe('Width of the decoded detection frames in pixels.'),
  height: z.number().int().min(64).max(2160).default(360).describe('Height of the decoded detection frames in pixels.'),
  loop: z.boolean().default(true).describe('For file inputs: loop the file forever (true) or play it once (false).'),
  stallTimeoutS: z.number().min(1).default(10).describe('Restart ffmpeg when no frame arrived for this long (while a run waits for its first frame: at least 10 s, for RTSP set-up and the first keyframe).'),
  ffmpeg: z
    .strictObject({
      rtspTransport: z.enum(['tcp', 'udp']).default('tcp').describe('RTSP transport; TCP survives lossy networks.'),
      inputArgs: z.array(z.string()).default([]).describe('Extra ffmpeg arguments placed before -i.'),
      hwaccelArgs: z.array(z.string()).default([]).describe('Hardware decoding arguments, e.g. ["-hwaccel", "cuda"].'),
    })
    .prefault({})
    .describe('ffmpeg options for this camera.'),
  motion: motionSchema.prefault({}),
});

const mqttSchema = z
  .strictObject({
    url: secret(
      z
        .string()
        .regex(/^(mqtts?|wss?|tcp|tls):\/\//, 'expected an mqtt://, mqtts://, ws:// or wss:// URL')
        .describe('External broker URL. Absent: catwatch starts its own embedded broker.'),
      'url',
    ).optional(),
    baseTopic: z.string().regex(/^[^#+]+$/, 'must not contain MQTT wildcards').default('catwatch').describe('Prefix of every topic.'),
    clientId: z.string().optional().describe('MQTT client id; default catwatch-<hostname>.'),
    username: z.string().optional().describe('Broker user name (env CATWATCH_MQTT_USERNAME overrides).'),
    password: secret(z.string().describe('Broker password (env CATWATCH_MQTT_PASSWORD overrides).'), 'value').optional(),
    tls: z
      .strictObject({
        ca: z.string().optional().describe('CA certificate file (PEM).'),
        cert: z.string().optional().describe('Client certificate file (PEM).'),
        key: z.string().optional().describe('Client key file (PEM).'),
        rejectUnauthorized: z.boolean().default(true).describe('Verify the broker certificate.'),
      })
      .prefault({})
      .describe('TLS files for mqtts:// and wss://.'),
    embedded: z
      .strictObject({
        host: z.string().default('127.0.0.1').describe('Address the embedded broker binds to. Beyond loopback it needs username and password.'),
        port: z.number().int().min(0).max(65535).default(1883).describe('Port of the embedded broker.'),
      })
      .prefault({})
      .describe('The embedded broker, used when mqtt.url is absent.'),
    discovery: z
      .strictObject({
        enabled: z.boolean().default(true).describe('Publish Home Assistant discovery messages.'),
        prefix: z.string().default('homeassistant').describe('Home Assistant discovery prefix.'),
      })
      .prefault({}),
    outboxMax: z.number().int().min(10).default(10000).describe('Events kept for delivery while the broker is away (oldest dropped beyond).'),
  })
  .describe('MQTT output.');

const tritonSchema = z.strictObject({
  url: secret(
    z
      .string()
      .regex(/^https?:\/\/[^\s]+$/, 'expected an http:// or https:// URL')
      .describe('Base URL of the KServe v2 server, e.g. http://gpu-1:8000.'),
    'url',
  ),
  model: z.string().regex(/^[A-Za-z0-9_.-]{1,128}$/).default('catwatch_objectron').describe('Model name on the server (as exported by catwatch models export-triton).'),
  version: z.string().regex(/^[0-9]{1,9}$/).default('1').describe('Model version on the server.'),
  timeoutMs: z.number().int().min(50).max(60_000).default(2000).describe('Per-request timeout; beyond it the local backbone scores the batch.'),
  retryAfterMs: z.number().int().min(100).max(600_000).default(5000).describe('After a failure, how long the local backbone scores alone before the server is tried again.'),
});

const modelSchema = z
  .strictObject({
    label: z.string().regex(/^[a-z0-9_-]+$/).default('cat').describe('Name of the target class in topics and events.'),
    positives: z.string().optional().describe('Folder of photos of the target (used by training).'),
    backbone: z
      .enum(['auto', ...BACKBONE_NAMES, 'triton'])
      .default('auto')
      .describe('Frozen backbone. auto: the pulled MobileNetV2 if installed, else the npm-shipped Open Images detector. centernet: the npm-shipped COCO CenterNet (MobileNetV3) on TensorFlow.js. triton: the Open Images detector served by a Triton / KServe v2 server (model.triton), with the local one as fallback.'),
    triton: tritonSchema.optional().describe('The inference server for backbone: triton.'),
    runtime: z
      .enum(['auto', 'cpu', 'cuda', 'tensorrt', 'wasm'])
      .default('auto')
      .describe('Where the backbone runs. ONNX backbones (objectron is converted to ONNX at load): auto = GPU when present, else CPU (falls back with a warning). wasm: objectron on the WebAssembly TFLite interpreter (its fallback when the conversion fails; about 5x slower). For centernet: cuda/tensorrt/auto try tfjs-node-gpu, then tfjs-node, cpu tries tfjs-node; all fall back to WebAssembly.'),
    workers: z.number().int().min(0).max(64).default(0).describe('Scoring worker threads; 0 = one per CPU core.'),
    threshold: z.number().min(0).max(1).optional().describe("Override the model's own threshold (chosen from its target false-positive rate)."),
    batchSize: z.number().int().min(1).max(64).default(8).describe('Regions scored per backbone call.'),
  })
  .describe('The target model.');

const trainSchema = z
  .strictObject({
    negatives: z.array(z.string()).default([]).describe('Folders of negative photos; each folder name is its subcategory.'),
    schedule: z
      .string()
      .regex(/^(off|@hourly|@daily|@weekly|([01]\d|2[0-3]):[0-5]\d)$/, 'expected off, @hourly, @daily, @weekly or HH:MM')
      .default('off')
      .describe('When to retrain on a schedule: off, @hourly, @daily, @weekly or a daily HH:MM (local time).'),
    minNewSamples: z.number().int().min(0).default(200).describe('Retrain after this many new mined samples (0: never for this reason).'),
    request: z.string().optional().describe('Opaque token: changing it (file reload or SIGHUP) requests a retrain.'),
    targetFpr: z.number().gt(0).lt(1).default(0.01).describe('False-positive rate the threshold is chosen for.'),
    loss: z.enum(['focal', 'bce']).default('focal').describe('Loss: focal or class-balanced binary cross-entropy.'),
    focalAlpha: z.number().min(0).max(1).default(0.5).describe('Focal loss alpha (weight of positives).'),
    focalGamma: z.number().min(0).max(5).default(2).describe('Focal loss gamma (focus on hard samples).'),
    head: z.enum(['logistic', 'mlp']).default('logistic').describe('Head architecture.'),
    hiddenUnits: z.number().int().min(4).max(1024).default(64).describe('Hidden units of the MLP head.'),
    syntheticNegatives: z.number().int().min(0).max(100000).default(300).describe('Synthetic negatives (quad-tree squares, noise, colour fields, face drawings) in the training set in total; those of the shipped training set count, so with it none are added by default.'),
    shippedData: z
      .boolean()
      .default(true)
      .describe('Train on the training set shipped with the bundled model (cats, animals, people, scenes, objects, as embeddings) as well as your own data. Turn off only for a target that is not a cat.'),
    cameraConditions: z
      .array(z.enum(CAMERA_CONDITIONS))
      .default([])
      .describe('Camera conditions that training copies of your photos are made under, besides the light flip, crop, colour, blur and grey copies: night-ir (IR night: grey, dark, soft, noisy), far (the object 24-64 px, scaled back up), motion-blur, dusk (dark, noisy colour), jpeg (camera bit rates). None by default: leaving one source out at a time they moved each condition\'s AUROC by at most 0.0041 and lowered the worst clean fold (README, Camera conditions). The gate compares models under every condition whatever this says.'),
    nice: z.number().int().min(0).max(19).default(10).describe('Niceness of the training child process.'),
    clipsDir: z
      .string()
      .optional()
      .describe('Regression clips for the training gate: a folder of your own clips with a labels.yml (clip → [[startS, endS], ...] where the target is visible). A new model must raise no more false events and miss no more visits on them than the current one. Default <dataDir>/clips (used when it has a labels.yml).'),
  })
  .describe('Training of the head.');

const mineSchema = z
  .strictObject({
    enabled: z.boolean().default(true).describe('Keep uncertain frames as candidate hard negatives.'),
    bandLow: z.number().min(0).max(1).default(0.2).describe('Scores from bandLow up to the threshold count as uncertain.'),
    maxPerCameraPerHour: z.number().int().min(0).default(60).describe('Rate limit of mined samples per camera.'),
    quotaMb: z.number().min(1).default(500).describe('Disk quota of the sample store; oldest unreviewed samples go first.'),
    dedupBits: z.number().int().min(0).max(64).default(6).describe('Perceptual-hash distance under which a sample is a duplicate.'),
    eventSamples: z
      .number()
      .int()
      .min(0)
      .max(100)
      .default(8)
      .describe('Frames of every event kept for review (the first hit, then one a second; 0: none): labelling them negative reports a false alarm and teaches the next model. They train only once labelled.'),
  })
  .describe('Hard-negative mining.');

const eventsSchema = z
  .strictObject({
    minHits: z.number().int().min(1).default(3).describe('Frames a tracked object must have been seen in before it can start an event.'),
    windowFrames: z.number().int().min(1).default(5).describe('A tracked object\'s evidence is the median of its last this-many scores; an event starts when it reaches the model\'s operating point (day or night).'),
    trackMaxGapS: z.number().gt(0).max(60).default(6).describe('A tracked object not seen for this long is forgotten (a still target is scored by the periodic full frame only, so keep it above motion.fullFrameIntervalS).'),
    quietPeriodS: z.number().min(0).default(5).describe('End an event after this long without a tracked object at the operating point.'),
    maxEventS: z.number().min(1).default(600).describe('Force-end an event after this long.'),
    snapshotAnnotated: z.boolean().default(true).describe('Draw the box on the snapshot.'),
    maxFalseAlarmsPerHour: z
      .number()
      .min(0)
      .optional()
      .describe('False-alarm budget per camera: each camera gets its own threshold (never below the model\'s), learned from its negatives (labelled or mined) so that the false alarms they would have raised stay within this many per hour. Reported per camera on /api/status. Off when absent.'),
    historyMax: z.number().int().min(0).default(10000).describe('Events kept in the history (the web UI\'s /events); the oldest go first.'),
    snapshotQuotaMb: z.number().min(0).default(200).describe('Disk quota of the event history\'s snapshots; the oldest snapshots go first.'),
    budgetWindowH: z.number().min(1).max(8760).default(168).describe('Hours of a camera\'s samples the false-alarm budget learns from.'),
  })
  .describe('Event state machine.');

const fleetSchema = z
  .strictObject({
    role: z.enum(['node', 'trainer']).default('node').describe('node: uploads its labelled samples and follows the signed model pointer. trainer: downloads every node\'s samples, trains, uploads the model and publishes the signed pointer.'),
    s3: z
      .strictObject({
        endpoint: secret(z.string().regex(/^https?:\/\/[^\s]+$/, 'expected an http:// or https:// URL').describe('S3-compatible endpoint, e.g. https://s3.eu-west-1.amazonaws.com or http://minio:9000 (path-style requests).'), 'url'),
        region: z.string().min(1).default('us-east-1').describe('Region of the bucket (any value for most S3-compatible servers).'),
        bucket: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'expected an S3 bucket name').describe('Bucket shared by every node.'),
        prefix: z.string().regex(/^[A-Za-z0-9_./-]*$/, 'expected letters, digits, _ . / or -').default('catwatch').describe('Key prefix: samples under <prefix>/samples/, models under <prefix>/models/.'),
        accessKeyId: secret(z.string().min(1).describe('Access key id (use ${env:NAME} or ${file:PATH}).'), 'value'),
        secretAccessKey: secret(z.string().min(1).describe('Secret access key (use ${env:NAME} or ${file:PATH}).'), 'value'),
      })
      .describe('The shared S3-compatible bucket.'),
    signingKey: z.string().optional().describe('Trainer: Ed25519 private key (PEM file, `catwatch fleet keygen`) that signs the model pointer.'),
    publicKey: z.string().optional().describe('Node: Ed25519 public key (PEM file) a model pointer must be signed with; pointers that fail it are refused.'),
    syncIntervalS: z.number().min(5).max(86400).default(300).describe('Seconds between sample uploads (node) or downloads (trainer).'),
    maxModelMb: z.number().gt(0).max(4096).default(256).describe('Largest model file a node downloads.'),
    trainLocally: z.boolean().default(false).describe('Node: also train here (schedule, train.request, MQTT train/set, catwatch train). Off: a node only follows the trainer\'s model, so local and fleet models never overwrite each other\'s current version.'),
    trustNodeLabels: z.boolean().default(false).describe('Trainer: count the nodes\' labelled samples as confirmed (the gate then checks the candidate on them). Off: they train, but a compromised node or bucket key cannot also pass the check meant to catch it.'),
  })
  .superRefine((fleet, ctx) => {
    if (fleet.role === 'trainer' && fleet.signingKey === undefined) ctx.addIssue({ code: 'custom', path: ['signingKey'], message: 'a trainer needs fleet.signingKey (catwatch fleet keygen DIR writes one)' });
    if (fleet.role === 'node' && fleet.publicKey === undefined) ctx.addIssue({ code: 'custom', path: ['publicKey'], message: 'a node needs fleet.publicKey to verify model pointers (the trainer\'s fleet-public.pem)' });
  })
  .describe('Training for many nodes: samples to a shared S3 bucket, one trainer, a signed model pointer. Absent: off.');

export const configSchema = z.strictObject({
  node: z
    .strictObject({
      id: z
        .string()
        .regex(/^[A-Za-z0-9_-]{1,64}$/, 'expected 1-64 letters, digits, _ or -')
        .optional()
        .describe('Set when several catwatch nodes share one broker: the node\'s availability (last will), status, stats, training and sample commands move under <base>/nodes/<id>/, camera topics stay keyed by camera. Absent: one node per broker, the single-node topics; status names the host.'),
    })
    .prefault({})
    .describe('This catwatch instance, when several share one broker.'),
  log: z
    .strictObject({ level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info').describe('Log level.') })
    .prefault({}),
  dataDir: z
    .string()
    .default('/var/lib/catwatch')
    .describe('State folder: models, samples, database, outbox. systemd: StateDirectory.'),
  cameras: z
    .array(cameraSchema)
    .default([])
    .superRefine((cameras, ctx) => {
      // Names key MQTT topics, trackers and sample folders: two cameras with one name would mix them.
      const seen = new Set<string>();
      cameras.forEach((c, i) => {
        if (seen.has(c.name)) ctx.addIssue({ code: 'custom', path: [i, 'name'], message: `duplicate camera name ${c.name}` });
        seen.add(c.name);
      });
    })
    .describe('Cameras to watch.'),
  mqtt: mqttSchema.prefault({}),
  model: modelSchema.prefault({}),
  train: trainSchema.prefault({}),
  mine: mineSchema.prefault({}),
  events: eventsSchema.prefault({}),
  fleet: fleetSchema.optional(),
  stats: z.strictObject({ intervalS: z.number().min(1).default(30).describe('Seconds between stats messages.') }).prefault({}),
  http: z
    .strictObject({
      enabled: z.boolean().default(true).describe('Serve /healthz and /metrics.'),
      host: z.string().default('127.0.0.1').describe('Address of the HTTP endpoint.'),
      port: z.number().int().min(0).max(65535).default(8089).describe('Port of the HTTP endpoint.'),
      liveFps: z.number().min(0.1).max(30).default(2).describe('Frame rate of the live view (/live/<camera>): one JPEG per camera per tick, shared by every viewer, encoded only while someone watches.'),
      liveWidthPx: z.number().int().min(64).max(3840).default(640).describe('Width of the live view frames (never scaled up).'),
      liveOverlay: z.boolean().default(true).describe('Draw the last scored box on the live view.'),
      passwordHash: secret(
        z
          .string()
          .regex(/^scrypt:[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+$/, 'expected scrypt:<salt>:<key> as printed by `catwatch config hash-password`')
          .describe('Password of the web UI (`catwatch config hash-password` prints it): required when http.host is not a loopback address.'),
        'value',
      ).optional(),
      trustProxy: z.boolean().default(false).describe('Behind a reverse proxy (HTTPS): failed logins are counted per client address from the last X-Forwarded-For entry (the one the proxy added) instead of per proxy, and the session cookie is Secure when X-Forwarded-Proto is https. Leave off without a proxy: the headers would be the client\'s own.'),
    })
    .superRefine((http, ctx) => {
      if (http.enabled && !isLoopbackName(http.host) && http.passwordHash === undefined) {
        ctx.addIssue({ code: 'custom', path: ['host'], message: `${http.host} is reachable beyond this machine: the web UI changes labels and models, so set http.passwordHash (catwatch config hash-password) or bind to 127.0.0.1` });
      }
    })
    .prefault({}),
});

export type Config = z.infer<typeof configSchema>;
export type ConfigInput = z.input<typeof configSchema>;
export type CameraConfig = Config['cameras'][number];
export type MotionConfig = CameraConfig['motion'];

/**
 * Config paths whose change needs a restart; everything else applies live (test/integration/live-config.test.ts
 * proves each setting is one or the other). log.level: pino's child loggers copy the level when they are made.
 */
export const RESTART_REQUIRED_PATHS = ['log.level', 'dataDir', 'mqtt', 'http', 'node', 'model.backbone', 'model.triton', 'model.runtime', 'model.workers', 'model.batchSize', 'fleet'] as const;

/** Motion settings of a camera that gave none (the schema's defaults: one source for them). */
export function defaultMotionConfig(): MotionConfig {
  return motionSchema.parse({});
}

export function configJsonSchema(): unknown {
  return z.toJSONSchema(configSchema, { io: 'input' });
}
