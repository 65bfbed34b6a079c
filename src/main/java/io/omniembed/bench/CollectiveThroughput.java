package io.omniembed.bench;

import io.omniembed.train.collective.Collective;
import io.omniembed.train.collective.InProcessCollective;
import io.omniembed.train.collective.TcpCollective;
import java.net.ServerSocket;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Ring all-reduce throughput on this machine: W workers as threads, linked by in-process pipes or
 * by TCP over 127.0.0.1, summing a buffer of N floats (default: MiniLM-L6's 22.7 M parameters).
 * Prints the median time per all-reduce, the bytes each worker sent and the resulting bus
 * bandwidth (bytes sent per worker / time), the figure NCCL and Horovod report.
 *
 * <p>Usage: {@code CollectiveThroughput [workers=2] [floats=22713216] [repeats=5]}
 */
public final class CollectiveThroughput {

  private CollectiveThroughput() {}

  public static void main(String[] args) throws Exception {
    int w = args.length > 0 ? Integer.parseInt(args[0]) : 2;
    int n = args.length > 1 ? Integer.parseInt(args[1]) : 22_713_216;
    int repeats = args.length > 2 ? Integer.parseInt(args[2]) : 5;
    report("in-process", InProcessCollective.ring(w), n, repeats);
    report("tcp-loopback", tcpRing(w), n, repeats);
  }

  private static List<Collective> tcpRing(int w) throws Exception {
    List<ServerSocket> servers = new ArrayList<>();
    List<String> addresses = new ArrayList<>();
    for (int r = 0; r < w; r++) {
      servers.add(TcpCollective.listen("127.0.0.1"));
      addresses.add("127.0.0.1:" + servers.get(r).getLocalPort());
    }
    ExecutorService pool = Executors.newFixedThreadPool(w);
    List<Future<Collective>> f = new ArrayList<>();
    for (int r = 0; r < w; r++) {
      int rank = r;
      f.add(pool.submit(() -> TcpCollective.connect(rank, addresses, servers.get(rank), 1,
          60_000)));
    }
    List<Collective> ring = new ArrayList<>();
    for (Future<Collective> c : f) {
      ring.add(c.get());
    }
    pool.shutdown();
    return ring;
  }

  private static void report(String transport, List<Collective> ring, int n, int repeats)
      throws Exception {
    int w = ring.size();
    ExecutorService pool = Executors.newFixedThreadPool(w);
    List<FloatBuffer> buffers = new ArrayList<>();
    for (int r = 0; r < w; r++) {
      buffers.add(FloatBuffer.allocate(n));
    }
    double[] seconds = new double[repeats];
    for (int k = 0; k < repeats; k++) {
      long t0 = System.nanoTime();
      List<Future<?>> done = new ArrayList<>();
      for (int r = 0; r < w; r++) {
        Collective c = ring.get(r);
        FloatBuffer b = buffers.get(r);
        done.add(pool.submit(() -> {
          c.allReduceSum(b);
          return null;
        }));
      }
      for (Future<?> d : done) {
        d.get();
      }
      seconds[k] = (System.nanoTime() - t0) / 1e9;
    }
    java.util.Arrays.sort(seconds);
    double median = seconds[repeats / 2];
    long bytes = ring.get(0).stats().allReduceBytes() / repeats;
    System.out.printf("RESULT transport=%s workers=%d floats=%d all_reduce_ms=%.1f"
            + " bytes_sent_per_worker=%d bus_gb_per_s=%.2f%n", transport, w, n, median * 1e3,
        bytes, bytes / median / 1e9);
    for (Collective c : ring) {
      c.close();
    }
    pool.shutdown();
  }
}
