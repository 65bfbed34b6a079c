package io.omniembed.jobs;

import io.omniembed.pipeline.LockedTextJoin;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code lit-texts}: the distinct text sides of media pairs, for the frozen text teacher's
 * {@code embed}; options, then {@link LockedTextJoin#texts}.
 */
@Command(name = "lit-texts", mixinStandardHelpOptions = true,
    description = {"Writes the distinct text sides (captions, transcripts) of media pairs (text"
        + " <-> image, audio or video) as items for embed --model TEACHER, the first step of the"
        + " locked-text phase (then join-teacher --lit, then train on the lit-* tasks).",
        "Writes OUT/part-*.jsonl (id, text) and OUT/_errors/ (rows that are not media pairs,"
            + " with the reason)."})
public final class LitTextsJob implements Callable<Integer> {

  @Option(names = "--pairs", required = true, paramLabel = "PATH",
      description = "Media pairs (JSONL or Parquet; for example prepare's output).")
  String pairs;

  @Option(names = "--out", required = true, paramLabel = "DIR", description = "Output directory.")
  String out;

  @Mixin
  SparkOptions spark;

  @Override
  public Integer call() throws Exception {
    LockedTextJoin.TextsResult r = LockedTextJoin.texts(spark.session("lit-texts"), pairs, out);
    System.out.printf("lit-texts: %d distinct texts of %d media pairs, %d rows refused (in"
        + " %s/_errors) -> %s%n", r.texts(), r.pairs(), r.bad(), out, out);
    return 0;
  }
}
