package io.omniembed.io;

import java.util.Map;
import org.apache.spark.TaskContext;
import org.apache.spark.resource.ResourceInformation;

/**
 * The GPU Spark assigned to the running task (Spark's resource {@code gpu}, from the executors'
 * discovery script), as a CUDA device ordinal: what a task's model runs on with
 * {@code --device cuda}. Where Spark assigns none (the driver, local masters, executors without
 * GPU resources) it is 0, the first GPU the process sees.
 */
public final class TaskGpu {

  /** Spark's name of the resource. */
  public static final String RESOURCE = "gpu";
  /** The discovery script the project ships, relative to its directory. */
  public static final String SCRIPT = "conf/gpu-discovery.sh";

  private TaskGpu() {}

  /** The running task's GPU ordinal; 0 outside a task or when the task holds no GPU. */
  public static int ordinal() {
    TaskContext task = TaskContext.get();
    return task == null ? 0 : ordinal(task.resourcesJMap());
  }

  /**
   * The ordinal of the first GPU in a task's resources (a task given a share of one GPU, or
   * several, runs on the first); 0 when there is none.
   */
  public static int ordinal(Map<String, ResourceInformation> resources) {
    ResourceInformation gpu = resources.get(RESOURCE);
    if (gpu == null || gpu.addresses().length == 0) {
      return 0;
    }
    String address = gpu.addresses()[0];
    try {
      return Integer.parseInt(address.strip());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("GPU address '" + address + "' from the discovery"
          + " script is not a CUDA device ordinal (" + SCRIPT + " prints nvidia-smi's indices)");
    }
  }
}
