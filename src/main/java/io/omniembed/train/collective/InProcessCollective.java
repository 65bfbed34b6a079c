package io.omniembed.train.collective;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.Channels;
import java.nio.channels.Pipe;
import java.util.ArrayList;
import java.util.List;

/**
 * W ring members in one JVM, linked by pipes, one per thread: the collective of the parity
 * tests. It runs the same {@link RingCollective} algorithm as {@link TcpCollective}; only the
 * byte streams differ.
 */
public final class InProcessCollective {

  private InProcessCollective() {}

  /** A ring of {@code size} members; member r must be used by one thread only. */
  public static List<Collective> ring(int size) {
    if (size == 1) {
      return List.of(Collective.single());
    }
    try {
      Pipe[] links = new Pipe[size];   // links[r]: r → r+1
      for (int r = 0; r < size; r++) {
        links[r] = Pipe.open();
      }
      List<Collective> members = new ArrayList<>();
      for (int r = 0; r < size; r++) {
        Pipe out = links[r];
        Pipe in = links[Math.floorMod(r - 1, size)];
        members.add(new RingCollective(r, size, Channels.newOutputStream(out.sink()),
            Channels.newInputStream(in.source()), () -> {
              try {
                out.sink().close();
                in.source().close();
              } catch (IOException e) {
                throw new UncheckedIOException(e);
              }
            }));
      }
      return members;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
