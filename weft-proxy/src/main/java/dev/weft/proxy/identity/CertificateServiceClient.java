package dev.weft.proxy.identity;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.MethodDescriptor;
import io.grpc.stub.ClientCalls;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * The client side of the control plane's CSR service, {@code weft.ca.v1.CertificateService/Sign}: a unary gRPC
 * method whose messages are JSON rather than protobuf (there is no .proto for it), so the method descriptor carries a
 * Jackson marshaller. Request {@code {"csr": "<PEM>", "joinToken": "<token>"}} (no token when renewing), response
 * {@code {"certificateChain": "<PEM leaf + issuers>", "trustBundle": "<PEM roots>"}}.
 */
final class CertificateServiceClient {

    static final String SERVICE = "weft.ca.v1.CertificateService";

    private static final ObjectMapper JSON = new ObjectMapper();

    /** A signing request; {@code joinToken} is null when the caller proves itself by its current SVID instead. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record SignRequest(String csr, String joinToken) {
    }

    /** The signed chain and the roots the workload should trust now. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    record SignResponse(String certificateChain, String trustBundle) {
    }

    static final MethodDescriptor<SignRequest, SignResponse> SIGN =
            MethodDescriptor.<SignRequest, SignResponse>newBuilder()
                    .setType(MethodDescriptor.MethodType.UNARY)
                    .setFullMethodName(MethodDescriptor.generateFullMethodName(SERVICE, "Sign"))
                    .setRequestMarshaller(new JsonMarshaller<>(SignRequest.class))
                    .setResponseMarshaller(new JsonMarshaller<>(SignResponse.class))
                    .build();

    private CertificateServiceClient() {
    }

    /**
     * Calls Sign on {@code channel} and waits for the answer.
     *
     * @throws io.grpc.StatusRuntimeException with the control plane's status (or the transport's: UNAVAILABLE for
     *         a connection or handshake failure, DEADLINE_EXCEEDED after {@code timeout})
     */
    static SignResponse sign(Channel channel, SignRequest request, Duration timeout) {
        return ClientCalls.blockingUnaryCall(channel, SIGN,
                CallOptions.DEFAULT.withDeadlineAfter(timeout.toMillis(), TimeUnit.MILLISECONDS), request);
    }

    /** JSON (Jackson) as a gRPC message encoding. */
    private static final class JsonMarshaller<T> implements MethodDescriptor.Marshaller<T> {
        private final Class<T> type;

        JsonMarshaller(Class<T> type) {
            this.type = type;
        }

        @Override
        public InputStream stream(T value) {
            try {
                return new ByteArrayInputStream(JSON.writeValueAsBytes(value));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        @Override
        public T parse(InputStream stream) {
            try (stream) {
                return JSON.readValue(stream, type);
            } catch (IOException e) {
                // grpc-java turns this into INTERNAL on the call, with the message
                throw new IllegalArgumentException("a " + type.getSimpleName() + " that is not the expected JSON: "
                        + e.getMessage(), e);
            }
        }
    }
}
