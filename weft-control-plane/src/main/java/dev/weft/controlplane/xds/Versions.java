package dev.weft.controlplane.xds;

import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.Message;
import io.envoyproxy.controlplane.cache.Resources;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Collection;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.Map;

/** Versions of xDS resource sets: a hash of names and deterministic encodings, so equal sets share a version. */
final class Versions {

    private Versions() {
    }

    /**
     * The version of one type's resources for one node: 16 hex digits of the SHA-256 over the sorted resources'
     * names and digests. {@code digests} caches each resource's own digest by identity, so that a resource shared
     * by many nodes is encoded and hashed once.
     */
    static String of(Collection<? extends Message> resources, Map<Message, byte[]> digests) {
        MessageDigest digest = sha256();
        resources.stream().sorted(Comparator.comparing(Resources::getResourceName)).forEach(resource -> {
            digest.update(Resources.getResourceName(resource).getBytes(StandardCharsets.UTF_8));
            digest.update((byte) 0);
            digest.update(digests.computeIfAbsent(resource, r -> sha256().digest(deterministicBytes(r))));
        });
        return HexFormat.of().formatHex(digest.digest(), 0, 8);
    }

    private static byte[] deterministicBytes(Message message) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(message.getSerializedSize());
        CodedOutputStream out = CodedOutputStream.newInstance(bytes);
        // map fields (e.g. typed_extension_protocol_options) must encode in one order for equal messages to hash equal
        out.useDeterministicSerialization();
        try {
            message.writeTo(out);
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK always has SHA-256", e);
        }
    }
}
