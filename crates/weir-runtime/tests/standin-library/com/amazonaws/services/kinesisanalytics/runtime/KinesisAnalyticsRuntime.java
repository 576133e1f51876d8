package com.amazonaws.services.kinesisanalytics.runtime;

/**
 * A stand-in for Weir's KinesisAnalyticsRuntime in the tests of the jar
 * uploaded to registered clusters: it returns the text of the properties
 * resource (the real library parses it), found as the real one finds it,
 * through the thread's context class loader; "none" when it is missing.
 */
public final class KinesisAnalyticsRuntime {
    private KinesisAnalyticsRuntime() {}

    public static String getApplicationProperties() throws java.io.IOException {
        try (var in = Thread.currentThread().getContextClassLoader()
                .getResourceAsStream("META-INF/weir/application_properties.json")) {
            return in == null
                    ? "none"
                    : new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        }
    }
}
