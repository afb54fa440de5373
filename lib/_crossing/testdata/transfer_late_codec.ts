// Registers a codec that lib/_transfer_test.ts never imports statically, so
// the test can watch loadCodecs() import it on demand.
import { registerCodec } from "../codec.ts";

export class Late {
  constructor(readonly state: number) {}
}

registerCodec({
  tag: "TestLate",
  type: Late,
  share: (late: Late) => late.state,
  revive: (state: number) => new Late(state),
});
