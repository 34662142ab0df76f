package dev.weft.proxy.it;

import dev.weft.testkit.ManagedProcess;
import dev.weft.testkit.Ports;
import dev.weft.testkit.Processes;
import dev.weft.testkit.modelserver.ModelServer;
import dev.weft.testkit.modelserver.ModelServerConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/**
 * A {@link ModelServer} in a JVM of its own, for tests that measure the proxy's memory: in-process,
 * the model server's Netty buffers would come from the same allocator as the proxy's.
 */
public final class ModelServerProcess implements AutoCloseable {
    private final ManagedProcess process;
    private final Path output;
    private final int port;

    private ModelServerProcess(ManagedProcess process, Path output, int port) {
        this.process = process;
        this.output = output;
        this.port = port;
    }

    /** Starts a default model server in a child JVM (the test classpath) and waits until it listens. */
    public static ModelServerProcess start() {
        int port = Ports.findFree();
        try {
            Path output = Files.createTempFile("weft-model-server-", ".log");
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            ManagedProcess p = Processes.start(output.getParent(), output, List.of(java,
                    "-Xmx256m", "-Dio.netty.leakDetection.level=DISABLED",
                    "-cp", System.getProperty("java.class.path"),
                    ModelServerProcess.class.getName(), Integer.toString(port)));
            try {
                p.awaitPort("127.0.0.1", port, Duration.ofSeconds(20));
            } catch (RuntimeException e) {
                p.close();
                throw e;
            }
            return new ModelServerProcess(p, output, port);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start a model server process", e);
        }
    }

    public int port() {
        return port;
    }

    @Override
    public void close() throws IOException {
        process.close();
        Files.deleteIfExists(output);
    }

    /** Runs a model server on the port given as the only argument until the process is stopped. */
    public static void main(String[] args) throws InterruptedException {
        ModelServer server = ModelServer.start(ModelServerConfig.builder().ioThreads(1).build(), Integer.parseInt(args[0]));
        Runtime.getRuntime().addShutdownHook(new Thread(server::close));
        // the server's threads are daemons: the main thread keeps the JVM alive until it is stopped
        new CountDownLatch(1).await();
    }
}
