package dev.weft.bench.peers;

import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ServerCalls;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;

/**
 * The gRPC origin inside the bench JVM (on the load core, as the nginx upstream is): a grpc-java server on h2c whose
 * one unary method, {@code weft.bench.Model/Predict}, answers a small request with a {@value #RESPONSE_BYTES}-byte
 * message, the shape of a small model call. nginx cannot serve gRPC itself, so this is the upstream every proxy's
 * gRPC route leads to. Messages are raw bytes, so neither side needs protoc.
 */
final class GrpcUpstream implements AutoCloseable {

    static final String SERVICE = "weft.bench.Model";
    /** The path prefix every proxy routes to this server. */
    static final String PATH_PREFIX = "/" + SERVICE + "/";
    static final int RESPONSE_BYTES = 1024;
    /** What the client sends: a short prompt; the server refuses anything else, so a mangled request shows. */
    static final byte[] REQUEST = "{\"prompt\":\"how far is the moon?\",\"max_tokens\":256}"
            .getBytes(StandardCharsets.US_ASCII);
    private static final byte[] RESPONSE = "y".repeat(RESPONSE_BYTES).getBytes(StandardCharsets.US_ASCII);

    private static final MethodDescriptor.Marshaller<byte[]> BYTES = new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(byte[] value) {
            return new ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
            try {
                return stream.readAllBytes();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    };

    /** The unary method the benchmark calls. */
    static final MethodDescriptor<byte[], byte[]> PREDICT = MethodDescriptor.<byte[], byte[]>newBuilder()
            .setType(MethodDescriptor.MethodType.UNARY)
            .setFullMethodName(MethodDescriptor.generateFullMethodName(SERVICE, "Predict"))
            .setRequestMarshaller(BYTES)
            .setResponseMarshaller(BYTES)
            .build();

    private final Server server;

    private GrpcUpstream(Server server) {
        this.server = server;
    }

    /** Starts the server on a free loopback port. */
    static GrpcUpstream start() throws IOException {
        ServerServiceDefinition model = ServerServiceDefinition.builder(SERVICE)
                .addMethod(PREDICT, ServerCalls.asyncUnaryCall((request, response) -> {
                    if (Arrays.equals(request, REQUEST)) {
                        response.onNext(RESPONSE);
                        response.onCompleted();
                    } else {
                        response.onError(Status.INVALID_ARGUMENT
                                .withDescription("expected the benchmark's request, got " + request.length + " bytes")
                                .asRuntimeException());
                    }
                }))
                .build();
        // the handler never blocks: it runs on the transport's event loop, as a tuned server's would
        Server server = NettyServerBuilder.forAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
                .directExecutor()
                .addService(model)
                .build()
                .start();
        return new GrpcUpstream(server);
    }

    int port() {
        return server.getPort();
    }

    @Override
    public void close() throws InterruptedException {
        server.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
    }
}
