package io.omniembed.train;

import io.omniembed.config.TaskConfig;
import io.omniembed.config.TrainConfig;
import io.omniembed.io.HadoopFiles;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import org.apache.hadoop.conf.Configuration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code OUT/train.conf}: the resolved config of a run, task mix included, written when it starts.
 * A resumed run must agree with it on what decides the examples of every step and the
 * learning-rate schedule — the seed, the data, the task mix (tasks, rates, batch sizes, task
 * strings) and the step count — or it would not continue the same training; other keys (the
 * learning rate, checkpoint and log intervals, timeouts) may change on resume.
 */
public final class RunConfig {

  private static final Logger LOG = LoggerFactory.getLogger(RunConfig.class);

  /** The file under OUT. */
  public static final String FILE = "train.conf";

  private RunConfig() {}

  /**
   * Writes {@code cfg} to {@code out}; when the run {@code resumes}, first compares it with the
   * config recorded there and refuses a difference in the run's schedule unless
   * {@code allowChange}.
   */
  public static void record(String out, TrainConfig cfg, boolean resumes, boolean allowChange,
      Configuration conf) throws IOException {
    String path = HadoopFiles.child(out, FILE);
    if (resumes && HadoopFiles.exists(path, conf)) {
      List<String> changed = differences(
          TrainConfig.parseResolved(HadoopFiles.readString(path, conf), path), cfg);
      if (!changed.isEmpty() && !allowChange) {
        throw new IllegalArgumentException("--resume: the config differs from " + path + " in "
            + String.join(", ", changed) + "; these decide the examples of every step and the"
            + " learning-rate schedule (add --allow-config-change to resume with them anyway)");
      }
      if (!changed.isEmpty()) {
        LOG.warn("train: resuming with a changed schedule: {}", String.join(", ", changed));
      }
    }
    HadoopFiles.writeString(path, cfg.render(), conf);
  }

  /**
   * What differs between a run's {@code saved} and {@code now} configs in the keys that must stay
   * for a resume, each as {@code key: old -> new}; empty when they agree.
   */
  public static List<String> differences(TrainConfig saved, TrainConfig now) {
    List<String> out = new ArrayList<>();
    compare(out, "seed", saved.seed(), now.seed());
    compare(out, "data", saved.data(), now.data());
    compare(out, "train.steps", saved.steps(), now.steps());
    Set<String> names = new TreeSet<>(saved.tasks().keySet());   // a config keeps no key order
    names.addAll(now.tasks().keySet());
    for (String name : names) {
      TaskConfig a = saved.tasks().get(name);
      TaskConfig b = now.tasks().get(name);
      String key = "tasks." + name;
      if (a == null || b == null) {
        compare(out, key, describe(a), describe(b));
        continue;
      }
      compare(out, key + ".task_string", quote(a.taskString()), quote(b.taskString()));
      compare(out, key + ".rate", a.rate(), b.rate());
      compare(out, key + ".batch_size", a.batchSize(), b.batchSize());
    }
    return out;
  }

  private static void compare(List<String> out, String key, Object old, Object now) {
    if (!Objects.equals(old, now)) {
      out.add(key + ": " + old + " -> " + now);
    }
  }

  private static String describe(TaskConfig t) {
    return t == null ? "(none)" : "{task_string " + quote(t.taskString()) + ", rate " + t.rate()
        + ", batch_size " + t.batchSize() + "}";
  }

  private static String quote(String s) {
    return "\"" + s + "\"";
  }
}
