package weir.examples;

import static org.apache.flink.table.api.Expressions.$;
import static org.apache.flink.table.api.Expressions.call;

import com.amazonaws.services.kinesisanalytics.runtime.KinesisAnalyticsRuntime;

import java.io.File;
import java.io.IOException;
import java.net.URL;
import java.security.CodeSource;
import java.util.Map;
import java.util.Properties;

import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.table.api.Table;
import org.apache.flink.table.api.bridge.java.StreamTableEnvironment;
import org.apache.flink.table.functions.ScalarFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * table-getting-started: the Java twin of python-getting-started, the same pipeline
 * in the same APIs, so that a Python application's start can be set against a Java
 * application of the same shape (scripts/bench python).
 *
 * <p>Numbers from {@link SequenceSource} → Table → {@code select(describe(n,
 * java_tag(n)))} → DataStream → {@code map(row -> line)} → {@link LineSink}: where
 * python-getting-started's {@code describe} and {@code map} are Python, run by the
 * Python worker beside the Task Manager, here they are Java, in the Task Manager.
 * Lines are {@code n,<tag read in main()>,<tag read by describe>,<tag read by
 * java_tag>,<library>,<ordinal>}.
 *
 * <p>Properties, read with the service's {@code KinesisAnalyticsRuntime} (provided by
 * the platform): {@code OutputConfig}: {@code output.path} (unset: print), {@code tag};
 * {@code SourceConfig}: {@code records.per.second} (default 10).
 */
public class TableGettingStarted {

    private static final Logger LOG = LoggerFactory.getLogger(TableGettingStarted.class);
    private static final String JOB_NAME = "table-getting-started";

    public static void main(String[] args) throws Exception {
        Map<String, Properties> applicationProperties = KinesisAnalyticsRuntime.getApplicationProperties();
        Properties outputConfig = group(applicationProperties, "OutputConfig");
        Properties sourceConfig = group(applicationProperties, "SourceConfig");
        String outputPath = outputConfig.getProperty("output.path");
        String tag = outputConfig.getProperty("tag", "");
        double recordsPerSecond = Double.parseDouble(sourceConfig.getProperty("records.per.second", "10"));
        LOG.info("{}: output={} tag='{}' records.per.second={}", JOB_NAME,
                outputPath == null ? "(stdout)" : outputPath, tag, recordsPerSecond);

        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        StreamTableEnvironment tEnv = StreamTableEnvironment.create(env);

        DataStream<Long> numbers = env
                .fromSource(new SequenceSource(32, recordsPerSecond), WatermarkStrategy.noWatermarks(),
                        "sequence", Types.LONG)
                .uid("sequence-source");

        tEnv.createTemporarySystemFunction("java_tag", TaskTag.class);
        Table described = tEnv.fromDataStream(numbers).as("n")
                .select(call(new Describe(tag), $("n"), call("java_tag", $("n"))).as("line"));

        DataStream<String> lines = tEnv.toDataStream(described)
                .map(row -> (String) row.getField(0))
                .returns(Types.STRING)
                .uid("line")
                .name("line");

        LineSink.attach(lines, outputPath, JOB_NAME);

        env.execute(JOB_NAME);
    }

    private static Properties group(Map<String, Properties> properties, String id) {
        Properties group = properties.get(id);
        return group == null ? new Properties() : group;
    }

    /** The file name of the jar {@code KinesisAnalyticsRuntime} was loaded from. */
    static String library() {
        CodeSource source = KinesisAnalyticsRuntime.class.getProtectionDomain().getCodeSource();
        URL location = source == null ? null : source.getLocation();
        return location == null ? "unknown" : new File(location.getPath()).getName();
    }

    static String taskTag() throws IOException {
        return group(KinesisAnalyticsRuntime.getApplicationProperties(), "OutputConfig").getProperty("tag", "");
    }

    /** describe(n, javaPart): python-getting-started's Python UDF, in Java. */
    public static final class Describe extends ScalarFunction {
        private static final long serialVersionUID = 1L;

        private final String mainTag;
        private transient String udfTag;

        public Describe(String mainTag) {
            this.mainTag = mainTag;
        }

        public String eval(Long n, String javaPart) throws IOException {
            if (udfTag == null) {
                udfTag = taskTag();
                LOG.info("{}: in describe, tag='{}'", JOB_NAME, udfTag);
            }
            return n + "," + mainTag + "," + udfTag + "," + javaPart + "," + ordinal(n);
        }

        /** What humanize.ordinal(n) gives in python-getting-started: 1st, 2nd, 11th, ... */
        static String ordinal(long n) {
            long lastTwo = n % 100;
            String suffix = lastTwo >= 11 && lastTwo <= 13 ? "th"
                    : n % 10 == 1 ? "st" : n % 10 == 2 ? "nd" : n % 10 == 3 ? "rd" : "th";
            return n + suffix;
        }
    }

    /** java_tag(n) -> "<tag>,<library>": python-getting-started's JavaTag. */
    public static final class TaskTag extends ScalarFunction {
        private static final long serialVersionUID = 1L;

        private transient String described;

        public String eval(Long n) throws IOException {
            if (described == null) {
                described = taskTag() + "," + library();
                LOG.info("{}: in java_tag, {}", JOB_NAME, described);
            }
            return described;
        }
    }
}
