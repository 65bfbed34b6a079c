package io.omniembed.jobs;

import java.io.PrintWriter;
import java.io.StringWriter;

/** Runs the real command line in-process and captures its error line. */
final class JobRunner {

  record Result(int exitCode, String err) {}

  private JobRunner() {}

  static Result run(String... args) {
    StringWriter err = new StringWriter();
    int code = Main.run(new PrintWriter(err, true), args);
    return new Result(code, err.toString().strip());
  }
}
