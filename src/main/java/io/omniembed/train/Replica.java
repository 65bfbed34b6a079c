package io.omniembed.train;

import io.omniembed.model.ModelCard;

import io.omniembed.model.LoadedModel;

import io.omniembed.config.MediaSpec;
import io.omniembed.config.TrainConfig;
import io.omniembed.data.Seeds;
import io.omniembed.data.text.TextTokenizer;
import io.omniembed.io.HadoopFiles;
import io.omniembed.io.MediaSource;
import io.omniembed.io.Models;
import io.omniembed.io.Checkpoint;
import io.omniembed.model.Encoder;
import io.omniembed.model.ItemSequencer;
import io.omniembed.model.ModelSpec;
import io.omniembed.config.ModelConfig;
import io.omniembed.train.collective.Collective;
import java.io.IOException;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.hadoop.conf.Configuration;

/**
 * One model replica of a training run: where it starts (the latest checkpoint under OUT, or
 * {@code --init} with the media towers asked for), its optimizer state, and the loop that trains
 * it on this worker's {@link ScheduledExample}s. Every replica of a run is set up the same way
 * from the same state, so all of them apply the same updates.
 */
public final class Replica {

  /**
   * What a replica is made from. {@code media}, when set, adds media towers (initialised from
   * the seed) to a text-only {@code init} model.
   */
  public record Spec(TrainConfig config, String init, String out, MediaSpec media)
      implements Serializable {}

  private Replica() {}

  /**
   * Where a run starts, checked before any Spark work: with {@code resume}, the latest checkpoint
   * under {@code out} (returned), or {@code init} when there is none yet; without, {@code init}
   * into an empty {@code out}. Returns null when the run starts from {@code init}, after checking
   * that it can load.
   */
  public static String start(String out, String init, boolean resume, Configuration conf)
      throws IOException {
    if (resume) {
      String latest = TrainingState.latest(out, conf);
      if (latest != null) {
        return latest;
      }
      if (init == null) {
        throw new IllegalArgumentException("--resume: no checkpoint under " + out + " and no"
            + " --init to start from");
      }
    } else {
      if (init == null) {
        throw new IllegalArgumentException("--init is required ("
            + ModelSpec.Use.INIT.forms() + ")");
      }
      HadoopFiles.requireEmptyOutput(out, conf,
          "use --resume to continue it, or choose another --out");
    }
    checkInit(init, conf);
    return null;
  }

  /** Fails fast on an --init that cannot load. */
  private static void checkInit(String init, Configuration conf) throws IOException {
    ModelSpec spec = ModelSpec.parse(init, ModelSpec.Use.INIT);
    if (spec instanceof ModelSpec.Random r) {
      ModelConfig.preset(r.preset());
    } else if (spec instanceof ModelSpec.CheckpointDir c) {
      if (!HadoopFiles.exists(HadoopFiles.child(c.path(), Checkpoint.MANIFEST_FILE), conf)) {
        throw new IllegalArgumentException("--init " + c.path() + ": not a checkpoint (no "
            + Checkpoint.MANIFEST_FILE + ")");
      }
    } else if (spec instanceof ModelSpec.Hf) {
      Models.trainable(init, 0, conf);   // the whole import checked here, before any Spark work
    }
  }

  /**
   * Fails fast when {@code spec}'s media towers cannot be added to its {@code init} model (one
   * that already has other towers); a run that resumes keeps the towers of its checkpoint.
   */
  public static void checkMedia(Spec spec, Configuration conf) throws IOException {
    if (spec.media() != null) {
      withMedia(Models.trainable(spec.init(), spec.config().seed(), conf).encoder(),
          spec.media(), spec.config().seed(), spec.init());
    }
  }

  /**
   * Fails fast when the mix has locked-text tasks ({@code lit-*}) and the model that would train
   * has no media towers: the checkpoint to resume ({@code resumeFrom}, null for none), else
   * {@code init} with {@code spec}'s towers added.
   */
  public static void checkLockedText(Spec spec, String resumeFrom, Configuration conf)
      throws IOException {
    List<String> locked = spec.config().tasks().keySet().stream()
        .filter(io.omniembed.data.TrainingExample::isLockedText).toList();
    if (locked.isEmpty() || (resumeFrom == null && spec.media() != null)) {
      return;
    }
    String model = resumeFrom != null ? resumeFrom : spec.init();
    ModelConfig config = resumeFrom != null
        ? ModelConfig.parse(HadoopFiles.readString(HadoopFiles.child(resumeFrom,
            Checkpoint.CONFIG_FILE), conf), resumeFrom)
        : Models.trainable(spec.init(), spec.config().seed(), conf).encoder().config();
    if (!config.hasMedia()) {
      throw new IllegalArgumentException("task " + locked.get(0) + " trains media towers against"
          + " a frozen text teacher, but model " + model + " has none: add --media PRESET");
    }
  }

  /** The step to start after: that of the latest complete checkpoint under {@code out}, or 0. */
  public static int resumeStep(String out, Configuration conf) throws IOException {
    String latest = TrainingState.latest(out, conf);
    return latest == null ? 0 : TrainingState.read(latest, conf).step();
  }

  /**
   * Loads the replica at step {@code from} and trains it to the end on {@code rows} (this
   * worker's examples sorted by step and slot); returns the last loss.
   */
  public static double train(Iterator<ScheduledExample> rows, Spec spec, Collective c, int from,
      Configuration conf) throws IOException {
    TrainConfig cfg = spec.config();
    LoadedModel start = from > 0
        ? Checkpoint.load(HadoopFiles.child(spec.out(), "step-" + from), conf)
        : Models.trainable(spec.init(), cfg.seed(), conf);
    Encoder encoder = start.encoder();
    if (from == 0 && spec.media() != null) {
      encoder = withMedia(encoder, spec.media(), cfg.seed(), spec.init());
    }
    AdamW optimizer = AdamW.of(encoder.store(), cfg);
    List<String> metrics = new ArrayList<>();
    if (from > 0) {
      TrainingState.Position pos = TrainingState.read(HadoopFiles.child(spec.out(),
          "step-" + from), conf);
      optimizer.restore(pos.firstMoment(), pos.secondMoment(), pos.optimizerSteps());
      if (c.rank() == 0) {
        metrics = previousMetrics(spec.out(), from, conf);
      }
    }
    TextTokenizer tokenizer = TextTokenizer.fromJson(start.tokenizerJson());
    int maxLength = Math.min(cfg.maxLength(), encoder.config().maxSequence());
    ItemSequencer sequencer = new ItemSequencer(tokenizer, encoder.config().media(),
        spec.init(), maxLength, encoder.config().maxSequence());
    long maxBytes = sequencer.media() == null ? Long.MAX_VALUE
        : sequencer.media().maxMediaBytes();
    Iterator<StepRows> batches = new StepStream(rows, cfg, c.rank(), c.size(), from, sequencer,
        (part, source) -> MediaSource.read(part, source, conf, maxBytes),
        encoder.config().outputDim());
    return new TrainingRun(cfg, encoder, start.tokenizerJson(), card(start.card(), cfg),
        HadoopFiles.child(spec.out(), "final"), spec.out(), conf, c)
        .run(from, optimizer, metrics, batches);
  }

  /**
   * The card the run's checkpoints keep: the starting model's, with each task's task string as
   * a prompt named after the task, so {@code embed --prompt TASK} adds at inference what the
   * queries of that task were trained with.
   */
  static ModelCard card(ModelCard start, TrainConfig cfg) {
    java.util.Map<String, String> tasks = new java.util.LinkedHashMap<>();
    cfg.tasks().values().forEach(t -> {
      if (t.taskString() != null && !t.taskString().isBlank()) {
        tasks.put(t.name(), t.taskString());
      }
    });
    return start.withPrompts(tasks);
  }

  /**
   * {@code encoder} with the media towers of {@code media}: added to a text-only model, kept when
   * the model already has exactly these, refused when it has others.
   */
  public static Encoder withMedia(Encoder encoder, MediaSpec media, long seed, String init) {
    MediaSpec has = encoder.config().media();
    if (has == null) {
      return encoder.withMedia(media, Seeds.mix(seed, 0x6d65646961L));
    }
    if (!has.equals(media)) {
      throw new IllegalArgumentException("--media: model " + init + " already has media towers"
          + " with other settings (" + has + "); leave --media out to keep them");
    }
    return encoder;
  }

  /** The metrics lines of steps up to {@code upTo} of an earlier attempt, kept on resume. */
  private static List<String> previousMetrics(String out, int upTo, Configuration conf)
      throws IOException {
    String path = HadoopFiles.child(out, "metrics.jsonl");
    List<String> kept = new ArrayList<>();
    if (!HadoopFiles.exists(path, conf)) {
      return kept;
    }
    var json = new com.fasterxml.jackson.databind.ObjectMapper();
    for (String line : HadoopFiles.readString(path, conf).split("\n")) {
      if (!line.isBlank() && json.readTree(line).path("step").asInt() <= upTo) {
        kept.add(line);
      }
    }
    return kept;
  }
}
