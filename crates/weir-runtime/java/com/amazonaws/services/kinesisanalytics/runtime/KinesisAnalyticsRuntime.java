package com.amazonaws.services.kinesisanalytics.runtime;

import java.io.ByteArrayOutputStream;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;

/**
 * The application properties of a Flink job, as Amazon Managed Service for Apache
 * Flink gives them: Weir's own implementation of the class that jobs written for the
 * service call from its runtime library ({@code com.amazonaws:aws-kinesisanalytics-runtime},
 * declared {@code provided}), so that those jobs run on Weir unchanged. Weir compiles
 * this source with the JDK that runs Flink and puts it on the system classpath of
 * every Job Manager and Task Manager it starts; a job jar that bundles its own copy
 * of the library keeps using that copy (Flink loads user classes child-first).
 *
 * <p>The properties file is the service's JSON array
 * <pre>
 * [{"PropertyGroupId": "G", "PropertyMap": {"k": "v"}}, ...]
 * </pre>
 * and each group becomes a {@link Properties} under its id. A missing file gives an
 * empty (mutable) map, as the service's library does; a file that is not such an
 * array is an {@link IOException} naming the file and the position.
 *
 * <p>Where {@link #getApplicationProperties()} looks, in order (the first that exists
 * is read, the rest are not looked at):
 * <ol>
 * <li>{@code /etc/flink/application_properties.json}: the service's fixed path, the
 *     only one its library reads. Weir makes it exist for each application's JVMs
 *     where it can (a mount namespace of their own), so a job sees what it would see
 *     on the service, and a bundled copy of the real library sees the same file.</li>
 * <li>the file named by the JVM system property {@code weir.application.properties},
 *     then by the environment variable {@code WEIR_APPLICATION_PROPERTIES}: Weir sets
 *     both for the JVMs it starts. This is the fallback where no mount namespace is
 *     possible; it comes after the fixed path so that the fixed path, when Weir could
 *     make it, is the one answer a job and any copy of the library agree on.</li>
 * <li>the class path resource {@code META-INF/weir/application_properties.json},
 *     through the thread's context class loader (in Flink, the job's own class loader,
 *     which sees the job jar), then through this class's loader: Weir puts the
 *     properties there in the jars it submits to registered clusters, whose JVMs it
 *     does not start and cannot give a file or a system property.</li>
 * <li>otherwise an empty map, as on the service when the application has no
 *     properties.</li>
 * </ol>
 *
 * <p>Only JDK classes are used (the JSON is read by {@code PropertyGroups}, not by a
 * JSON library), so one compiled jar works on every Flink version, with whatever
 * Jackson a Flink distribution shades.
 */
public final class KinesisAnalyticsRuntime {

    /** Where the service puts an application's properties. */
    static final String SERVICE_PATH = "/etc/flink/application_properties.json";
    /** The JVM system property Weir sets to the properties file of its own JVMs. */
    static final String SYSTEM_PROPERTY = "weir.application.properties";
    /** The environment variable Weir sets to the same file. */
    static final String ENVIRONMENT_VARIABLE = "WEIR_APPLICATION_PROPERTIES";
    /** The class path resource of jars Weir submits to clusters it does not run. */
    static final String RESOURCE = "META-INF/weir/application_properties.json";

    private KinesisAnalyticsRuntime() {}

    /**
     * The application's property groups, by group id, from the first place that
     * holds them (see the class comment for the order and why).
     *
     * @return a mutable map, empty when there are no properties
     * @throws IOException when the properties are there but cannot be read or are
     *     not the service's JSON array
     */
    public static Map<String, Properties> getApplicationProperties() throws IOException {
        if (exists(SERVICE_PATH)) {
            return getApplicationProperties(SERVICE_PATH);
        }
        String[] named = {System.getProperty(SYSTEM_PROPERTY), System.getenv(ENVIRONMENT_VARIABLE)};
        for (String file : named) {
            if (file != null && !file.trim().isEmpty() && exists(file.trim())) {
                return getApplicationProperties(file.trim());
            }
        }
        Map<String, Properties> fromResource = fromResource();
        return fromResource != null ? fromResource : new HashMap<String, Properties>();
    }

    /**
     * The property groups in {@code filename}, by group id.
     *
     * @return a mutable map, empty when the file does not exist
     * @throws IOException when the file cannot be read or is not the service's JSON
     *     array
     */
    public static Map<String, Properties> getApplicationProperties(String filename) throws IOException {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(Paths.get(filename));
        } catch (NoSuchFileException | FileNotFoundException missing) {
            return new HashMap<String, Properties>();
        } catch (InvalidPathException e) {
            throw new IOException(filename + ": not a file name: " + e.getMessage(), e);
        }
        return PropertyGroups.parse(bytes, filename);
    }

    private static boolean exists(String file) {
        try {
            Path path = Paths.get(file);
            return Files.exists(path);
        } catch (InvalidPathException e) {
            return false;
        }
    }

    /** The properties in {@link #RESOURCE}, or null when no loader has it. */
    private static Map<String, Properties> fromResource() throws IOException {
        ClassLoader context = Thread.currentThread().getContextClassLoader();
        ClassLoader own = KinesisAnalyticsRuntime.class.getClassLoader();
        ClassLoader[] loaders = {context, own != context ? own : null};
        for (ClassLoader loader : loaders) {
            if (loader == null) {
                continue;
            }
            URL url = loader.getResource(RESOURCE);
            if (url == null) {
                continue;
            }
            InputStream in = url.openStream();
            try {
                return PropertyGroups.parse(readAll(in), url.toString());
            } finally {
                in.close();
            }
        }
        return null;
    }

    private static byte[] readAll(InputStream in) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buffer = new byte[8192];
        for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
            out.write(buffer, 0, n);
        }
        return out.toByteArray();
    }
}
