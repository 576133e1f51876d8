package weir.examples;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.apache.flink.api.connector.source.Boundedness;
import org.apache.flink.api.connector.source.ReaderOutput;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.api.connector.source.SourceReader;
import org.apache.flink.api.connector.source.SourceReaderContext;
import org.apache.flink.api.connector.source.SourceSplit;
import org.apache.flink.api.connector.source.SplitEnumerator;
import org.apache.flink.api.connector.source.SplitEnumeratorContext;
import org.apache.flink.api.connector.source.SplitsAssignment;
import org.apache.flink.core.io.InputStatus;
import org.apache.flink.core.io.SimpleVersionedSerializer;

/**
 * An unbounded, rate-limited source of the numbers 0, 1, 2, ... that rescales.
 *
 * <p>Why not {@code DataGeneratorSource}: it makes one split per parallel reader at
 * the first start, so after a restore at a higher parallelism (autoscaling, an
 * update) the extra readers get nothing and FINISH, leaving the job with idle,
 * finished subtasks. This source makes a fixed number of splits ({@code splits},
 * the most parallelism it spreads evenly over); split {@code i} yields
 * {@code i, i+splits, i+2*splits, ...}, so all splits together yield every number
 * once. Splits and their positions are checkpointed, and Flink spreads them over
 * the readers again on restore at any parallelism. Readers without splits stay
 * idle, never finish. The total rate is {@code recordsPerSecond} (0 or less:
 * unthrottled) whatever the parallelism.
 *
 * <p>Only the FLIP-27 {@code Source} API, identical in Flink 1.17 ... 2.x.
 */
public final class SequenceSource implements Source<Long, SequenceSource.Split, List<SequenceSource.Split>> {

    private static final long serialVersionUID = 1L;
    private static final int MAX_BATCH = 1000;

    private final int splits;
    private final double recordsPerSecond;

    public SequenceSource(int splits, double recordsPerSecond) {
        if (splits < 1) {
            throw new IllegalArgumentException("splits must be at least 1, got " + splits);
        }
        this.splits = splits;
        this.recordsPerSecond = recordsPerSecond;
    }

    @Override
    public Boundedness getBoundedness() {
        return Boundedness.CONTINUOUS_UNBOUNDED;
    }

    @Override
    public SplitEnumerator<Split, List<Split>> createEnumerator(SplitEnumeratorContext<Split> context) {
        List<Split> all = new ArrayList<>();
        for (int i = 0; i < splits; i++) {
            all.add(new Split(i, splits, i));
        }
        return new Enumerator(context, all);
    }

    @Override
    public SplitEnumerator<Split, List<Split>> restoreEnumerator(
            SplitEnumeratorContext<Split> context, List<Split> pending) {
        return new Enumerator(context, pending);
    }

    @Override
    public SourceReader<Long, Split> createReader(SourceReaderContext context) {
        return new Reader(recordsPerSecond > 0 ? recordsPerSecond / splits : 0);
    }

    @Override
    public SimpleVersionedSerializer<Split> getSplitSerializer() {
        return new SplitSerializer();
    }

    @Override
    public SimpleVersionedSerializer<List<Split>> getEnumeratorCheckpointSerializer() {
        return new PendingSerializer();
    }

    /** One arithmetic sequence: {@code next, next+stride, ...}. */
    public static final class Split implements SourceSplit {
        final int id;
        final long stride;
        long next;

        Split(int id, long stride, long next) {
            this.id = id;
            this.stride = stride;
            this.next = next;
        }

        @Override
        public String splitId() {
            return "seq-" + id;
        }

        Split copy() {
            return new Split(id, stride, next);
        }

        @Override
        public String toString() {
            return splitId() + "@" + next;
        }
    }

    /** Hands split {@code i} to reader {@code i % parallelism} once that reader is there. */
    static final class Enumerator implements SplitEnumerator<Split, List<Split>> {
        private final SplitEnumeratorContext<Split> context;
        private final List<Split> pending;

        Enumerator(SplitEnumeratorContext<Split> context, List<Split> pending) {
            this.context = context;
            this.pending = new ArrayList<>(pending);
        }

        @Override
        public void start() {}

        @Override
        public void handleSplitRequest(int subtask, String hostname) {}

        @Override
        public void addSplitsBack(List<Split> returned, int subtask) {
            pending.addAll(returned);
            assignPending();
        }

        @Override
        public void addReader(int subtask) {
            assignPending();
        }

        private void assignPending() {
            int parallelism = context.currentParallelism();
            Map<Integer, List<Split>> assignment = new HashMap<>();
            Iterator<Split> it = pending.iterator();
            while (it.hasNext()) {
                Split s = it.next();
                int target = s.id % parallelism;
                if (context.registeredReaders().containsKey(target)) {
                    assignment.computeIfAbsent(target, k -> new ArrayList<>()).add(s);
                    it.remove();
                }
            }
            if (!assignment.isEmpty()) {
                context.assignSplits(new SplitsAssignment<>(assignment));
            }
        }

        @Override
        public List<Split> snapshotState(long checkpointId) {
            List<Split> out = new ArrayList<>();
            for (Split s : pending) {
                out.add(s.copy());
            }
            return out;
        }

        @Override
        public void close() {}
    }

    /** Emits from its splits in turn, paced to its share of the total rate. */
    static final class Reader implements SourceReader<Long, Split> {
        private final double ratePerSplit;
        private final List<Split> splits = new ArrayList<>();
        private CompletableFuture<Void> available = new CompletableFuture<>();
        private int cursor;
        private long intervalNanos;
        private long nextDueNanos;

        Reader(double ratePerSplit) {
            this.ratePerSplit = ratePerSplit;
        }

        @Override
        public void start() {}

        @Override
        public InputStatus pollNext(ReaderOutput<Long> output) {
            if (splits.isEmpty()) {
                if (available.isDone()) {
                    available = new CompletableFuture<>();
                }
                return InputStatus.NOTHING_AVAILABLE;
            }
            long now = System.nanoTime();
            int batch;
            if (intervalNanos <= 0) {
                batch = MAX_BATCH;
            } else {
                if (now - nextDueNanos > TimeUnit.SECONDS.toNanos(1)) {
                    nextDueNanos = now - TimeUnit.SECONDS.toNanos(1); // no bursts after a long stall
                }
                if (now < nextDueNanos) {
                    return waitNanos(nextDueNanos - now);
                }
                batch = (int) Math.min(MAX_BATCH, 1 + (now - nextDueNanos) / intervalNanos);
                nextDueNanos += batch * intervalNanos;
            }
            for (int i = 0; i < batch; i++) {
                Split s = splits.get(cursor);
                cursor = (cursor + 1) % splits.size();
                output.collect(s.next);
                s.next += s.stride;
            }
            if (intervalNanos > 0 && System.nanoTime() < nextDueNanos) {
                return waitNanos(nextDueNanos - System.nanoTime());
            }
            return InputStatus.MORE_AVAILABLE;
        }

        private InputStatus waitNanos(long nanos) {
            CompletableFuture<Void> f = new CompletableFuture<>();
            available = f;
            long ms = Math.max(1, TimeUnit.NANOSECONDS.toMillis(nanos));
            CompletableFuture.delayedExecutor(ms, TimeUnit.MILLISECONDS).execute(() -> f.complete(null));
            return InputStatus.NOTHING_AVAILABLE;
        }

        @Override
        public List<Split> snapshotState(long checkpointId) {
            List<Split> out = new ArrayList<>();
            for (Split s : splits) {
                out.add(s.copy());
            }
            return out;
        }

        @Override
        public CompletableFuture<Void> isAvailable() {
            return available;
        }

        @Override
        public void addSplits(List<Split> added) {
            splits.addAll(added);
            double rate = ratePerSplit * splits.size();
            intervalNanos = rate > 0 ? Math.max(1L, (long) (1e9 / rate)) : 0;
            nextDueNanos = System.nanoTime();
            available.complete(null);
        }

        @Override
        public void notifyNoMoreSplits() {}

        @Override
        public void close() {}
    }

    static final class SplitSerializer implements SimpleVersionedSerializer<Split> {
        @Override
        public int getVersion() {
            return 1;
        }

        @Override
        public byte[] serialize(Split s) throws IOException {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream(20);
            DataOutputStream out = new DataOutputStream(bytes);
            write(out, s);
            out.flush();
            return bytes.toByteArray();
        }

        @Override
        public Split deserialize(int version, byte[] serialized) throws IOException {
            if (version != 1) {
                throw new IOException("unknown SequenceSource split version " + version);
            }
            return read(new DataInputStream(new ByteArrayInputStream(serialized)));
        }

        static void write(DataOutputStream out, Split s) throws IOException {
            out.writeInt(s.id);
            out.writeLong(s.stride);
            out.writeLong(s.next);
        }

        static Split read(DataInputStream in) throws IOException {
            int id = in.readInt();
            long stride = in.readLong();
            long next = in.readLong();
            return new Split(id, stride, next);
        }
    }

    static final class PendingSerializer implements SimpleVersionedSerializer<List<Split>> {
        @Override
        public int getVersion() {
            return 1;
        }

        @Override
        public byte[] serialize(List<Split> pending) throws IOException {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            DataOutputStream out = new DataOutputStream(bytes);
            out.writeInt(pending.size());
            for (Split s : pending) {
                SplitSerializer.write(out, s);
            }
            out.flush();
            return bytes.toByteArray();
        }

        @Override
        public List<Split> deserialize(int version, byte[] serialized) throws IOException {
            if (version != 1) {
                throw new IOException("unknown SequenceSource enumerator state version " + version);
            }
            DataInputStream in = new DataInputStream(new ByteArrayInputStream(serialized));
            int n = in.readInt();
            List<Split> out = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                out.add(SplitSerializer.read(in));
            }
            return out;
        }
    }
}
