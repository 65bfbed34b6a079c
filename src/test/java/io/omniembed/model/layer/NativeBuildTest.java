package io.omniembed.model.layer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** ND4J's oneDNN AVX-512 build is named only where the jar has it and the CPU runs it. */
class NativeBuildTest {

  @Test
  void theOneDnnBuildNeedsTheJarAndAvx512() {
    Set<String> avx512 = new HashSet<>(Set.of("sse2", "avx2", "avx512f", "avx512bw", "avx512dq",
        "avx512vl", "avx512_vnni"));
    assertEquals("-onednn-avx512", NativeBuild.extension(avx512, true));
    assertEquals("", NativeBuild.extension(avx512, false), "the default jar: generic");
    assertEquals("", NativeBuild.extension(Set.of("sse2", "avx2", "fma"), true), "AVX2 only");
    assertEquals("", NativeBuild.extension(Set.of("avx512f"), true), "AVX-512 F without BW/DQ/VL");
    assertEquals("", NativeBuild.extension(Set.of(), true), "flags unknown");
  }

  @Test
  void thisJvmKeepsTheGenericBuildAndAGivenChoiceIsKept() {
    assertTrue(NativeBuild.cpuFlags().contains("sse2"), "reads /proc/cpuinfo");
    assertEquals(null, System.getProperty(NativeBuild.PROPERTY));
    // The test classpath has the generic build only: nothing is set.
    assertEquals("", NativeBuild.choose());
    assertEquals(null, System.getProperty(NativeBuild.PROPERTY));
    System.setProperty(NativeBuild.PROPERTY, "-avx2");
    try {
      assertEquals("-avx2", NativeBuild.choose(), "the user's property wins");
    } finally {
      System.clearProperty(NativeBuild.PROPERTY);
    }
  }
}
