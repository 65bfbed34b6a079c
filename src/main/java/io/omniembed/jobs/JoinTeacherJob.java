package io.omniembed.jobs;

import io.omniembed.pipeline.TeacherJoin;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code join-teacher}: make-parallel's pairs with the teacher's embeddings of their sources,
 * ready for {@code train}; options, then {@link TeacherJoin}.
 */
@Command(name = "join-teacher", mixinStandardHelpOptions = true,
    description = {"Joins make-parallel pairs (source_id) with the teacher's embeddings of their"
        + " sources (an embed output over make-parallel's sources/: id, embedding).",
        "Writes OUT/part-*.json (the pair's fields and teacher: [floats]), training data for"
            + " distill-* tasks, and OUT/_errors/ (pairs without an embedding, with the"
            + " reason)."})
public final class JoinTeacherJob implements Callable<Integer> {

  @Option(names = "--pairs", required = true, paramLabel = "DIR",
      description = "make-parallel output: OUT/train or OUT/heldout.")
  String pairs;

  @Option(names = "--teacher", required = true, paramLabel = "DIR",
      description = "The teacher's embeddings of the sources (embed --input OUT/sources).")
  String teacher;

  @Option(names = "--out", required = true, paramLabel = "DIR", description = "Output directory.")
  String out;

  @Mixin
  SparkOptions spark;

  @Override
  public Integer call() throws Exception {
    TeacherJoin.Result r = TeacherJoin.run(spark.session("join-teacher"), pairs, teacher, out);
    System.out.printf("join-teacher: %d pairs with a %d-dimensional teacher embedding, %d"
        + " without (in %s/_errors) -> %s%n", r.joined(), r.dim(), r.missing(), out, out);
    return 0;
  }
}
