// A connected TCP pair on loopback, for the crossing's tests and their
// child programs.

/** Client and server ends of one loopback connection, and the listener. */
export async function loopbackPair(): Promise<
  [Deno.Conn, Deno.Conn, Deno.Listener]
> {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const [client, server] = await Promise.all([
    Deno.connect({
      hostname: "127.0.0.1",
      port: (listener.addr as Deno.NetAddr).port,
    }),
    listener.accept(),
  ]);
  return [client, server, listener];
}
