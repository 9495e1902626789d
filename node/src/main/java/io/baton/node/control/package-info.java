/**
 * The node's local control socket, {@code <state-dir>/control.sock}: the local CLI's way in
 * (DESIGN §5, §6), with a framing small enough that the client needs only the JDK's unix-domain
 * {@code SocketChannel}, protobuf and grpc-api — no Netty, no TLS — and so answers within the CLI's
 * 150 ms budget.
 *
 * <h2>Wire format</h2>
 *
 * <p>All integers are big-endian. Every frame, in both directions, is an {@code int32} body length
 * followed by that many body bytes. One connection carries exactly one call:
 *
 * <pre>
 * client → node   one request frame, body:
 *                   u16   method-name length N (1..65535)
 *                   N     full gRPC method name, UTF-8 (e.g. "baton.api.Control/ListNodes")
 *                   rest  the serialized request message (protobuf), possibly empty
 *                 then nothing: the client keeps its side open and silent until it has read the
 *                 status frame. End of stream (or any further byte) before that cancels the call.
 *
 * node → client   zero or more message frames, body:
 *                   u8    1
 *                   rest  one serialized response message
 *                 then exactly one status frame, body:
 *                   u8    2
 *                   int32 gRPC status code (0 = OK)
 *                   rest  status description, UTF-8 (empty when there is none)
 *                 then the node closes the connection.
 * </pre>
 *
 * <p>Limits: a request frame body is at most 8 MiB; a larger one is answered with
 * RESOURCE_EXHAUSTED and the connection closed, without reading the body. A request that is not
 * well formed (negative or too short length, bad name length, name not UTF-8) closes the connection
 * without an answer. The client accepts response frame bodies of at most 64 MiB. A client that has
 * not sent its whole request within 10 s is disconnected.
 *
 * <h2>Security</h2>
 *
 * <p>The socket file is mode 0600 inside the 0700 state directory: only the node's own user can
 * connect, and whoever can connect acts with the node's own identity. The socket adds no
 * authorization of its own: each call is forwarded to the node's in-process gRPC server, whose
 * interceptors apply identity and authorization exactly as for the network (on a locked node,
 * only Unlock answers).
 */
package io.baton.node.control;
