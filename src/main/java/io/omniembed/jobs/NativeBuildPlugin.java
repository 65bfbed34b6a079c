package io.omniembed.jobs;

import io.omniembed.model.layer.NativeBuild;
import java.util.Map;
import org.apache.spark.api.plugin.DriverPlugin;
import org.apache.spark.api.plugin.ExecutorPlugin;
import org.apache.spark.api.plugin.PluginContext;
import org.apache.spark.api.plugin.SparkPlugin;
import org.slf4j.LoggerFactory;

/**
 * Chooses ND4J's native build ({@link NativeBuild}) in every executor JVM as it starts, before
 * any task loads ND4J: executors may run on other CPUs than the driver. Added to
 * {@code spark.plugins} by every job's session.
 */
public final class NativeBuildPlugin implements SparkPlugin {

  @Override
  public DriverPlugin driverPlugin() {
    return null;
  }

  @Override
  public ExecutorPlugin executorPlugin() {
    return new ExecutorPlugin() {
      @Override
      public void init(PluginContext ctx, Map<String, String> extraConf) {
        String build = NativeBuild.choose();
        if (!build.isEmpty()) {
          LoggerFactory.getLogger(NativeBuildPlugin.class).info("ND4J native build: {}", build);
        }
      }
    };
  }
}
