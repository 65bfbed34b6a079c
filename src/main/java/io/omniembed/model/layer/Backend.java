package io.omniembed.model.layer;

import org.nd4j.linalg.factory.Nd4j;

/**
 * The ND4J backend a JVM runs on. ND4J loads the one it finds on the classpath: {@code CPU}
 * (nd4j-native, the default build) or {@code CUDA} (nd4j-cuda-11.6, a build with {@code -Pcuda}).
 * The model code is the same on both; what differs is where an array's memory lives (host or
 * device) and so which kernels may touch it directly ({@link KernelPath}).
 */
public enum Backend {
  CPU, CUDA;

  /** The class that makes a jar's ND4J the CUDA one (nd4j-cuda-11.6). */
  static final String CUDA_BACKEND_CLASS = "org.nd4j.linalg.jcublas.JCublasBackend";

  /**
   * Whether this jar holds ND4J's CUDA backend. Looks at the classpath only, without loading
   * ND4J, so a driver without a GPU can ask it before any Spark work.
   */
  public static boolean cudaBuilt() {
    try {
      Class.forName(CUDA_BACKEND_CLASS, false, Backend.class.getClassLoader());
      return true;
    } catch (ClassNotFoundException e) {
      return false;
    }
  }

  /** The backend ND4J runs (loading it if nothing has yet). */
  public static Backend active() {
    return Nd4j.getEnvironment().isCPU() ? CPU : CUDA;
  }

  /**
   * Makes GPU {@code index} the device of the arrays the calling thread allocates from now on
   * (ND4J binds threads to devices); call it before the thread allocates any. {@code index} is a
   * CUDA device ordinal as this process sees it, which is what Spark's discovery script reports
   * (conf/gpu-discovery.sh prints nvidia-smi's indices).
   */
  public static void useGpu(int index) {
    if (active() != CUDA) {
      throw new IllegalArgumentException("GPU " + index + " was assigned to this task, but ND4J runs"
          + " its CPU backend here: the jar was built without -Pcuda");
    }
    int devices = Nd4j.getAffinityManager().getNumberOfDevices();
    if (index < 0 || index >= devices) {
      throw new IllegalArgumentException("GPU " + index + " was assigned to this task, but ND4J"
          + " sees " + devices + " device(s) (CUDA_VISIBLE_DEVICES="
          + System.getenv("CUDA_VISIBLE_DEVICES") + "): the discovery script must report the"
          + " device ordinals this process sees");
    }
    Nd4j.getAffinityManager().unsafeSetDevice(index);
  }
}
