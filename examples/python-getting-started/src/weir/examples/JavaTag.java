package weir.examples;

import com.amazonaws.services.kinesisanalytics.runtime.KinesisAnalyticsRuntime;

import java.io.File;
import java.io.IOException;
import java.net.URL;
import java.security.CodeSource;
import java.util.Map;
import java.util.Properties;

import org.apache.flink.table.functions.ScalarFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Java UDF of python-getting-started, registered from main.py with
 * {@code create_java_temporary_function("java_tag", "weir.examples.JavaTag")}: it runs
 * in the Task Manager's JVM and reads the application properties there with the
 * service's {@code KinesisAnalyticsRuntime} (provided by the platform, not in the jar),
 * as a Java UDF shipped in a Python application's {@code jarfile} would.
 *
 * <p>{@code java_tag(n)} is {@code "<tag>,<library>"}: {@code OutputConfig}/{@code tag}
 * as read in the task and the file name of the jar {@code KinesisAnalyticsRuntime} was
 * loaded from. It takes {@code n} although it ignores it: a deterministic call with
 * constant arguments would be evaluated once by the planner, in the Job Manager, rather
 * than in the task. It reads lazily on the first call, like getting-started's Describe.
 */
public class JavaTag extends ScalarFunction {

    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(JavaTag.class);

    private transient String described;

    public String eval(Long n) throws IOException {
        if (described == null) {
            Map<String, Properties> applicationProperties = KinesisAnalyticsRuntime.getApplicationProperties();
            Properties outputConfig = applicationProperties.get("OutputConfig");
            String tag = outputConfig == null ? "" : outputConfig.getProperty("tag", "");
            String library = library();
            LOG.info("python-getting-started: in the Java UDF, tag='{}' (KinesisAnalyticsRuntime from {})", tag, library);
            described = tag + "," + library;
        }
        return described;
    }

    /** The file name of the jar {@code KinesisAnalyticsRuntime} was loaded from. */
    static String library() {
        CodeSource source = KinesisAnalyticsRuntime.class.getProtectionDomain().getCodeSource();
        URL location = source == null ? null : source.getLocation();
        return location == null ? "unknown" : new File(location.getPath()).getName();
    }
}
