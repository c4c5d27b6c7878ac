// Entry of the `presence` command (bin/presence.cjs loads the bundle of this file).
import { main } from './program';

main(process.argv).then((code) => {
  process.exitCode = code;
});
