package io.omniembed.train.collective;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.List;

/**
 * The ring over TCP: every worker listens on an ephemeral port, the workers exchange
 * {@code host:port} (through {@code BarrierTaskContext.allGather} on Spark), then worker r connects
 * to r+1 and accepts r−1. A handshake carries a token (the barrier stage and its attempt), so a
 * connection from a stale attempt is refused rather than joined.
 */
public final class TcpCollective {

  private static final int MAGIC = 0x4f4d4e49;   // "OMNI"
  private static final int BUFFER_BYTES = 4 << 20;

  private TcpCollective() {}

  /** A listening socket on an ephemeral port of {@code bindHost} (0.0.0.0 for every interface). */
  public static ServerSocket listen(String bindHost) throws IOException {
    ServerSocket server = new ServerSocket();
    server.setReceiveBufferSize(BUFFER_BYTES);
    server.bind(new InetSocketAddress(bindHost, 0));
    return server;
  }

  /**
   * Joins the ring. {@code addresses.get(i)} is worker i's {@code host:port}; {@code server} is
   * this worker's listening socket (closed when the collective closes). A peer that sends nothing
   * for {@code timeoutMs} fails the operation that waits for it.
   */
  public static Collective connect(int rank, List<String> addresses, ServerSocket server,
      long token, int timeoutMs) throws IOException {
    int size = addresses.size();
    if (size == 1) {
      server.close();
      return Collective.single();
    }
    int next = (rank + 1) % size;
    int prev = Math.floorMod(rank - 1, size);
    Socket out = new Socket();
    Socket in = null;
    try {
      out.setSendBufferSize(BUFFER_BYTES);
      out.setTcpNoDelay(true);
      out.connect(address(addresses.get(next)), timeoutMs);
      DataOutputStream hello = new DataOutputStream(out.getOutputStream());
      hello.writeInt(MAGIC);
      hello.writeLong(token);
      hello.writeInt(rank);
      hello.flush();

      server.setSoTimeout(timeoutMs);
      while (in == null) {
        Socket candidate;
        try {
          candidate = server.accept();
        } catch (SocketTimeoutException e) {
          throw new IOException("collective: rank " + rank + " waited " + timeoutMs + " ms for"
              + " rank " + prev + " to connect", e);
        }
        candidate.setSoTimeout(timeoutMs);
        DataInputStream h = new DataInputStream(candidate.getInputStream());
        if (h.readInt() == MAGIC && h.readLong() == token && h.readInt() == prev) {
          in = candidate;
        } else {
          candidate.close();   // a stale attempt or a stranger: not part of this ring
        }
      }
      in.setTcpNoDelay(true);
      Socket accepted = in;
      return new RingCollective(rank, size, out.getOutputStream(), in.getInputStream(), () -> {
        closeQuietly(out);
        closeQuietly(accepted);
        closeQuietly(server);
      });
    } catch (IOException | RuntimeException e) {
      closeQuietly(out);
      closeQuietly(in);
      closeQuietly(server);
      throw e;
    }
  }

  static InetSocketAddress address(String hostPort) {
    int colon = hostPort.lastIndexOf(':');
    if (colon < 0) {
      throw new IllegalArgumentException("not host:port: " + hostPort);
    }
    return new InetSocketAddress(hostPort.substring(0, colon),
        Integer.parseInt(hostPort.substring(colon + 1)));
  }

  private static void closeQuietly(java.io.Closeable c) {
    if (c == null) {
      return;
    }
    try {
      c.close();
    } catch (IOException e) {
      // closing after a failure: the original error is the one to report
    }
  }
}
