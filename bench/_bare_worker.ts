// The hand-written baseline of the pool figures (bench/_bare.ts): one message
// in, one message out per task, nothing else.

// Typed by hand: this file is also checked along with main-thread modules.
const scope = self as unknown as {
  onmessage: (event: MessageEvent<[number, number]>) => void;
  postMessage(message: unknown): void;
};

scope.onmessage = (event) => {
  const [a, b] = event.data;
  scope.postMessage(a + b);
};
