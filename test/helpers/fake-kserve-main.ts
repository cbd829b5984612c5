/** Child-process entry of the fake KServe v2 server: `node fake-kserve-main.js '<FakeKserveOptions as JSON>'`. */
import { startFakeKserveServer, type FakeKserveOptions } from './fake-kserve-server.js';

await startFakeKserveServer(JSON.parse(process.argv[2] ?? '{}') as FakeKserveOptions);
