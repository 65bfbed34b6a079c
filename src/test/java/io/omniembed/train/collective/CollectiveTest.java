package io.omniembed.train.collective;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** The ring all-reduce and all-gather, in-process and over real TCP sockets. */
public class CollectiveTest {

  public interface Work<T> {
    T run(Collective c) throws Exception;
  }

  public static <T> List<T> onEach(List<Collective> ring, Work<T> work) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(ring.size());
    try {
      List<Future<T>> futures = new ArrayList<>();
      for (Collective c : ring) {
        futures.add(pool.submit(() -> work.run(c)));
      }
      List<T> out = new ArrayList<>();
      for (Future<T> f : futures) {
        out.add(f.get());
      }
      return out;
    } finally {
      pool.shutdownNow();
    }
  }

  /** A TCP ring on 127.0.0.1, each member connected on its own thread as Spark tasks would. */
  public static List<Collective> tcpRing(int size, long token) throws Exception {
    List<ServerSocket> servers = new ArrayList<>();
    List<String> addresses = new ArrayList<>();
    for (int r = 0; r < size; r++) {
      ServerSocket s = TcpCollective.listen("127.0.0.1");
      servers.add(s);
      addresses.add("127.0.0.1:" + s.getLocalPort());
    }
    List<Collective> placeholders = new ArrayList<>();
    for (int r = 0; r < size; r++) {
      placeholders.add(new Rank(r));
    }
    return onEach(placeholders, c -> TcpCollective.connect(c.rank(), addresses,
        servers.get(c.rank()), token, 10_000));
  }

  static float[] values(int rank, int n) {
    SplittableRandom r = new SplittableRandom(rank * 7919L + n);
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = (float) (r.nextDouble() * 2 - 1);
    }
    return v;
  }

  static void checkAllReduce(List<Collective> ring, int n) throws Exception {
    List<float[]> results = onEach(ring, c -> {
      float[] v = values(c.rank(), n);
      c.allReduceSum(FloatBuffer.wrap(v));
      return v;
    });
    double[] sum = new double[n];
    for (int r = 0; r < ring.size(); r++) {
      float[] v = values(r, n);
      for (int i = 0; i < n; i++) {
        sum[i] += v[i];
      }
    }
    for (int i = 0; i < n; i++) {
      assertEquals(sum[i], results.get(0)[i], 1e-5, "element " + i);
    }
    for (float[] other : results) {
      assertArrayEquals(results.get(0), other, 0f, "every worker holds the same bits");
    }
  }

  static void checkAllGather(List<Collective> ring) throws Exception {
    List<byte[][]> results = onEach(ring, c -> c.allGather(block(c.rank())));
    for (byte[][] got : results) {
      assertEquals(ring.size(), got.length);
      for (int r = 0; r < ring.size(); r++) {
        assertArrayEquals(block(r), got[r]);
      }
    }
  }

  static byte[] block(int rank) {
    byte[] b = new byte[rank * 3];   // rank 0 sends an empty block
    for (int i = 0; i < b.length; i++) {
      b[i] = (byte) (rank * 31 + i);
    }
    return b;
  }

  @Test
  void inProcessRingsOfOneToFourWorkers() throws Exception {
    for (int w = 1; w <= 4; w++) {
      List<Collective> ring = InProcessCollective.ring(w);
      // Shorter than the ring (empty chunks), odd, and longer than one 1 MiB segment.
      for (int n : new int[] {2, 1001, 600_003}) {
        checkAllReduce(ring, n);
      }
      checkAllGather(ring);
      onEach(ring, c -> {
        c.barrier();
        return null;
      });
      for (Collective c : ring) {
        c.close();
      }
    }
  }

  @Test
  void tcpRingAgreesAndCountsItsBytes() throws Exception {
    List<Collective> ring = tcpRing(3, 42);
    try {
      checkAllReduce(ring, 300_001);
      checkAllGather(ring);
      Collective.Stats s = ring.get(1).stats();
      // Ring all-reduce: 2·(W−1)/W of the buffer, give or take a chunk's rounding.
      assertEquals(2.0 * 2 / 3 * 4 * 300_001, s.allReduceBytes(), 16);
      assertTrue(s.allReduceSeconds() > 0);
      assertEquals(2 * 4 + block(0).length + block(1).length, s.allGatherBytes());
    } finally {
      for (Collective c : ring) {
        c.close();
      }
    }
  }

  @Test
  void aStrangerIsRefusedAndTheRingStillForms() throws Exception {
    ServerSocket s0 = TcpCollective.listen("127.0.0.1");
    ServerSocket s1 = TcpCollective.listen("127.0.0.1");
    List<String> addresses = List.of("127.0.0.1:" + s0.getLocalPort(),
        "127.0.0.1:" + s1.getLocalPort());
    try (Socket stranger = new Socket("127.0.0.1", s0.getLocalPort())) {
      new java.io.DataOutputStream(stranger.getOutputStream()).writeLong(7);   // wrong magic
      List<Collective> ring = onEach(List.of(new Rank(0), new Rank(1)),
          c -> TcpCollective.connect(c.rank(), addresses, c.rank() == 0 ? s0 : s1, 99, 10_000));
      checkAllReduce(ring, 10);
      for (Collective c : ring) {
        c.close();
      }
    }
  }

  @Test
  void aWorkerThatDiesFailsItsPeersInsteadOfHangingThem() throws Exception {
    List<Collective> ring = tcpRing(2, 5);
    ring.get(1).close();
    ExecutionException e = assertThrows(ExecutionException.class,
        () -> onEach(List.of(ring.get(0)), c -> {
          c.allReduceSum(FloatBuffer.wrap(new float[1000]));
          return null;
        }));
    assertTrue(e.getCause() instanceof IOException, e.toString());
    ring.get(0).close();
  }

  /** Stands for a rank before its collective exists. */
  private record Rank(int rank) implements Collective {
    public int size() {
      return 0;
    }

    public void allReduceSum(FloatBuffer data) {}

    public void allReduceSum(FloatBuffer data, int from, int to, WireFormat wire) {}

    public byte[][] allGather(byte[] mine) {
      return null;
    }

    public Stats stats() {
      return null;
    }

    public void close() {}
  }
}
