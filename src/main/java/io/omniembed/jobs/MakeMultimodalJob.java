package io.omniembed.jobs;

import io.omniembed.data.multimodal.MultimodalDataset;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code make-multimodal}: builds {@link MultimodalDataset} from the sources given. Not a Spark
 * job: its inputs are packages installed on this machine and its output a local directory, so it
 * takes no {@code --master} or {@code --conf}.
 */
@Command(name = "make-multimodal", mixinStandardHelpOptions = true,
    description = {"Build multimodal training pairs and held-out cross-modal benchmarks from real"
        + " sources: emoji images with CLDR names, flags, Fashion-MNIST, espeak-ng speech and"
        + " composed clips.", "OUT is a local directory."})
public final class MakeMultimodalJob implements Callable<Integer> {

  @Option(names = "--emoji", paramLabel = "DIR",
      description = "Unpacked npm emoji-datasource-google (img/google/64, emoji.json).")
  Path emoji;

  @Option(names = "--cldr", paramLabel = "DIR",
      description = "Unpacked npm cldr-annotations-full (annotations/LANG/annotations.json).")
  Path cldr;

  @Option(names = "--languages", split = ",", defaultValue = "en,de,fr,es",
      description = "Languages of the emoji names and of the speech (default: ${DEFAULT-VALUE}).")
  List<String> languages;

  @Option(names = "--flags", paramLabel = "DIR",
      description = "Debian iso-flags-png-320x240 (/usr/share/iso-flags-png-320x240).")
  Path flags;

  @Option(names = "--iso-codes", paramLabel = "FILE",
      defaultValue = "/usr/share/iso-codes/json/iso_3166-1.json",
      description = "ISO 3166-1 names (default: ${DEFAULT-VALUE}).")
  Path isoCodes;

  @Option(names = "--fashion-mnist", paramLabel = "DIR",
      description = "Debian dataset-fashion-mnist (/usr/share/datasets/fashion-mnist).")
  Path fashion;

  @Option(names = "--fashion-limit", defaultValue = "1000",
      description = "Fashion-MNIST images used (default: ${DEFAULT-VALUE}).")
  int fashionLimit;

  @Option(names = "--speech", description = "Synthesise speech with espeak-ng (names spoken in"
      + " each language): audio pairs, the text2audio benchmark and the speech ablation sets.")
  boolean speech;

  @Option(names = "--speech-limit", defaultValue = "600",
      description = "Training names spoken per language (default: ${DEFAULT-VALUE}).")
  int speechLimit;

  @Option(names = "--clip-limit", defaultValue = "400",
      description = "Training images made into composed clips, four motions each (default:"
          + " ${DEFAULT-VALUE}).")
  int clipLimit;

  @Option(names = "--clip-frames", defaultValue = "8",
      description = "Frames per composed clip (default: ${DEFAULT-VALUE}).")
  int clipFrames;

  @Option(names = "--valid-fraction", defaultValue = "0.1",
      description = "Share of images held out for the benchmarks (default: ${DEFAULT-VALUE}).")
  double validFraction;

  @Option(names = "--bench-size", defaultValue = "200",
      description = "Queries per benchmark at most (default: ${DEFAULT-VALUE}).")
  int benchSize;

  @Option(names = "--seed", defaultValue = "17", description = "Split and sampling seed.")
  long seed;

  @Option(names = "--out", required = true, paramLabel = "DIR", description = "Output directory.")
  Path out;

  @Override
  public Integer call() throws Exception {
    Map<String, Integer> counts = new MultimodalDataset(new MultimodalDataset.Settings(emoji, cldr,
        languages, flags, isoCodes, fashion, fashionLimit, speech, speechLimit, clipLimit,
        clipFrames, validFraction, benchSize, seed, out)).build();
    System.out.println("make-multimodal: " + counts + " -> " + out);
    return 0;
  }
}
