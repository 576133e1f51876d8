package weir.examples;

import com.amazonaws.services.kinesisanalytics.runtime.KinesisAnalyticsRuntime;

import java.io.File;
import java.io.IOException;
import java.net.URL;
import java.security.CodeSource;
import java.util.Map;
import java.util.Properties;

import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A job written the way the service's samples are: it reads its application
 * properties with {@code KinesisAnalyticsRuntime.getApplicationProperties()} from the
 * service's runtime library, which the platform provides (the jar leaves it out),
 * and has no code of its own for where the properties come from.
 *
 * <p>Numbers 0, 1, 2, ... at a set rate, each turned into the line
 * {@code n,<tag read in main()>,<tag read in the task>,<library>}, where the task reads
 * the properties again itself (on its first record) and {@code <library>} is the file
 * name of the jar {@code KinesisAnalyticsRuntime} was loaded from there: the platform's
 * when the job jar leaves the library out, the job jar itself when it bundles a copy.
 * The lines go to a file sink committed on checkpoints, or to stdout.
 *
 * <p>Properties: {@code OutputConfig}: {@code output.path} (unset: print to stdout),
 * {@code tag}; {@code SourceConfig}: {@code records.per.second} (default 10).
 */
public class GettingStarted {

    private static final Logger LOG = LoggerFactory.getLogger(GettingStarted.class);

    public static void main(String[] args) throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();

        Map<String, Properties> applicationProperties = KinesisAnalyticsRuntime.getApplicationProperties();
        LOG.info("getting-started: application properties {} (KinesisAnalyticsRuntime from {})",
                applicationProperties, library());

        Properties outputConfig = applicationProperties.get("OutputConfig");
        if (outputConfig == null) {
            LOG.warn("getting-started: no property group OutputConfig in the application properties; "
                    + "printing to stdout with an empty tag");
            outputConfig = new Properties();
        }
        Properties sourceConfig = applicationProperties.get("SourceConfig");
        if (sourceConfig == null) {
            sourceConfig = new Properties();
        }
        String outputPath = outputConfig.getProperty("output.path");
        String tag = outputConfig.getProperty("tag", "");
        double recordsPerSecond = Double.parseDouble(sourceConfig.getProperty("records.per.second", "10"));
        LOG.info("getting-started: output={} tag='{}' records.per.second={}",
                outputPath == null ? "(stdout)" : outputPath, tag, recordsPerSecond);

        DataStream<String> lines = env
                .fromSource(new SequenceSource(32, recordsPerSecond), WatermarkStrategy.noWatermarks(),
                        "sequence", Types.LONG)
                .uid("sequence-source")
                .map(new Describe(tag))
                .uid("describe")
                .name("describe");

        LineSink.attach(lines, outputPath, "getting-started");

        env.execute("getting-started");
    }

    /** The file name of the jar {@code KinesisAnalyticsRuntime} was loaded from. */
    static String library() {
        CodeSource source = KinesisAnalyticsRuntime.class.getProtectionDomain().getCodeSource();
        URL location = source == null ? null : source.getLocation();
        return location == null ? "unknown" : new File(location.getPath()).getName();
    }

    /**
     * n -> "n,mainTag,taskTag,library". On its first record it reads the application
     * properties again, in the task, where {@code open(Configuration)} (Flink 1.x) and
     * {@code open(OpenContext)} (2.x) differ, hence lazily rather than in {@code open}.
     */
    static final class Describe implements MapFunction<Long, String> {
        private static final long serialVersionUID = 1L;

        private final String mainTag;
        private transient String taskTag;
        private transient String library;

        Describe(String mainTag) {
            this.mainTag = mainTag;
        }

        @Override
        public String map(Long n) throws IOException {
            if (library == null) {
                Map<String, Properties> applicationProperties = KinesisAnalyticsRuntime.getApplicationProperties();
                Properties outputConfig = applicationProperties.get("OutputConfig");
                taskTag = outputConfig == null ? "" : outputConfig.getProperty("tag", "");
                library = library();
                LOG.info("getting-started: in the task, tag='{}' (KinesisAnalyticsRuntime from {})", taskTag, library);
            }
            return n + "," + mainTag + "," + taskTag + "," + library;
        }
    }
}
