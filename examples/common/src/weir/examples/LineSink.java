package weir.examples;

import org.apache.flink.api.common.serialization.SimpleStringEncoder;
import org.apache.flink.connector.file.sink.FileSink;
import org.apache.flink.core.fs.Path;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.functions.sink.filesystem.OutputFileConfig;
import org.apache.flink.streaming.api.functions.sink.filesystem.bucketassigners.BasePathBucketAssigner;
import org.apache.flink.streaming.api.functions.sink.filesystem.rollingpolicies.OnCheckpointRollingPolicy;

/**
 * The sink of the unbounded counting jobs (streaming-count, load-control): lines go
 * to a {@link FileSink} under {@code output}, part files
 * {@code PREFIX-<uuid>-<subtask>-<n>.csv} directly under it, rolled and committed
 * on checkpoints only (uid {@code file-sink}); with no output path they are printed
 * to stdout instead (uid {@code print-sink}).
 */
public final class LineSink {

    private LineSink() {}

    public static void attach(DataStream<String> lines, String output, String partPrefix) {
        if (output == null || output.trim().isEmpty()) {
            lines.print().uid("print-sink").name("print-sink");
            return;
        }
        FileSink<String> sink = FileSink
                .forRowFormat(new Path(output.trim()), new SimpleStringEncoder<String>("UTF-8"))
                .withBucketAssigner(new BasePathBucketAssigner<String>())
                .withRollingPolicy(OnCheckpointRollingPolicy.build())
                .withOutputFileConfig(OutputFileConfig.builder()
                        .withPartPrefix(partPrefix)
                        .withPartSuffix(".csv")
                        .build())
                .build();
        lines.sinkTo(sink).uid("file-sink").name("file-sink");
    }
}
