package io.omniembed.jobs;

import io.omniembed.pipeline.LockedTextJoin;
import io.omniembed.pipeline.TeacherJoin;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code join-teacher}: make-parallel's pairs with the teacher's embeddings of their sources
 * ({@link TeacherJoin}), or with {@code --lit} media pairs with the frozen text teacher's
 * embeddings of their texts ({@link LockedTextJoin#join}), ready for {@code train}; options, then
 * the stage.
 */
@Command(name = "join-teacher", mixinStandardHelpOptions = true,
    description = {"Joins make-parallel pairs (source_id) with the teacher's embeddings of their"
        + " sources (an embed output over make-parallel's sources/: id, embedding).",
        "Writes OUT/part-*.json (the pair's fields and teacher: [floats]), training data for"
            + " distill-* tasks, and OUT/_errors/ (pairs without an embedding, with the"
            + " reason).",
        "With --lit: joins media pairs with the text teacher's embeddings of their text sides"
            + " (an embed output over lit-texts' items) into OUT/part-*.jsonl, training data for"
            + " lit-* tasks (each task renamed lit-TASK)."})
public final class JoinTeacherJob implements Callable<Integer> {

  @Option(names = "--pairs", required = true, paramLabel = "DIR",
      description = "make-parallel output: OUT/train or OUT/heldout; with --lit, media pairs.")
  String pairs;

  @Option(names = "--teacher", required = true, paramLabel = "DIR",
      description = "The teacher's embeddings of the sources (embed --input OUT/sources), or"
          + " with --lit of the texts (embed --input LIT_TEXTS).")
  String teacher;

  @Option(names = "--lit", description = "The pairs are media pairs for the locked-text phase"
      + " (lit-* tasks), keyed by their text (lit-texts).")
  boolean lit;

  @Option(names = "--out", required = true, paramLabel = "DIR", description = "Output directory.")
  String out;

  @Mixin
  SparkOptions spark;

  @Override
  public Integer call() throws Exception {
    if (lit) {
      LockedTextJoin.JoinResult r = LockedTextJoin.join(spark.session("join-teacher"), pairs,
          teacher, out);
      System.out.printf("join-teacher: %d media pairs with a %d-dimensional teacher embedding of"
          + " their text, %d without, %d rows refused (in %s/_errors) -> %s%n", r.joined(),
          r.dim(), r.missing(), r.bad(), out, out);
      return 0;
    }
    TeacherJoin.Result r = TeacherJoin.run(spark.session("join-teacher"), pairs, teacher, out);
    System.out.printf("join-teacher: %d pairs with a %d-dimensional teacher embedding, %d"
        + " without (in %s/_errors) -> %s%n", r.joined(), r.dim(), r.missing(), out, out);
    return 0;
  }
}
