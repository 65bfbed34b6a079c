package io.omniembed.model;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The ONNX Runtime sessions of one graph, one per intra-op thread count and GPU, each made when
 * first asked for. A model loaded once per JVM is run by the driver with every core and by each
 * Spark task with the cores (and, on GPU executors, the GPU) the task was given; all share the
 * graph and the loaded parameters, and only the session, which fixes its thread pool and device,
 * differs.
 */
public final class OrtSessions implements AutoCloseable {

  /**
   * Adds to a session's options what they all share (an execution provider, say), for the
   * session on CUDA device {@code gpu} (ignored by CPU sessions).
   */
  @FunctionalInterface
  public interface Options {
    void apply(OrtSession.SessionOptions options, int gpu) throws OrtException;
  }

  private record Key(int threads, int gpu) {}

  private final OrtEnvironment env = OrtEnvironment.getEnvironment();
  private final byte[] graph;
  private final String name;
  private final Options options;
  private final Map<Key, OrtSession> sessions = new ConcurrentHashMap<>();

  /**
   * @param graph   a serialised ONNX model
   * @param name    what the graph is, for error messages
   * @param options settings every session gets besides its thread count and full optimisation
   */
  public OrtSessions(byte[] graph, String name, Options options) {
    this.graph = graph;
    this.name = name;
    this.options = options;
  }

  public OrtEnvironment env() {
    return env;
  }

  /** The session with {@code threads} intra-op threads, made on the first call for that count. */
  public OrtSession get(int threads) {
    return get(threads, 0);
  }

  /**
   * The session with {@code threads} intra-op threads on CUDA device {@code gpu} (for a graph
   * whose options add the CUDA provider), made on the first call for that pair.
   */
  public OrtSession get(int threads, int gpu) {
    if (threads < 1) {
      throw new IllegalArgumentException("ONNX Runtime threads must be >= 1, got " + threads);
    }
    if (gpu < 0) {
      throw new IllegalArgumentException("CUDA device ordinal must be >= 0, got " + gpu);
    }
    return sessions.computeIfAbsent(new Key(threads, gpu), this::create);
  }

  private OrtSession create(Key key) {
    try (OrtSession.SessionOptions o = new OrtSession.SessionOptions()) {
      o.setIntraOpNumThreads(key.threads());
      o.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
      options.apply(o, key.gpu());
      return env.createSession(graph, o);
    } catch (OrtException e) {
      throw new IllegalStateException("ONNX Runtime cannot load " + name + ": " + e.getMessage(),
          e);
    }
  }

  /** Closes every session made so far. */
  @Override
  public void close() {
    OrtException first = null;
    for (OrtSession s : sessions.values()) {
      try {
        s.close();
      } catch (OrtException e) {
        first = first == null ? e : first;
      }
    }
    sessions.clear();
    if (first != null) {
      throw new IllegalStateException("closing the sessions of " + name + ": "
          + first.getMessage(), first);
    }
  }
}
