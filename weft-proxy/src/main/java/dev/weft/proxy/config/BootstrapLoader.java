package dev.weft.proxy.config;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.TypeRegistry;
import com.google.protobuf.util.JsonFormat;
import dev.weft.proxy.accesslog.AccessLogs;
import dev.weft.proxy.lb.LoadBalancers;
import dev.weft.proxy.rbac.Authorization;
import dev.weft.proxy.route.RouteTable;
import dev.weft.proxy.upstream.CircuitBreakers;
import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Loads a static Envoy v3 bootstrap (envoy.config.bootstrap.v3.Bootstrap, YAML or JSON) into a
 * {@link ProxySnapshot}: {@code weft proxy --config bootstrap.yaml}. The document is checked field
 * by field against the protos, then against the supported subset (docs/envoy-compat.md), then
 * semantically; every error names the field path, and nothing is returned unless all of it is valid.
 */
public final class BootstrapLoader {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ObjectMapper YAML = new YAMLMapper();

    private BootstrapLoader() {}

    /**
     * Loads {@code file}: JSON when it ends in .json, otherwise YAML (which reads JSON as well).
     *
     * @throws ConfigException naming the file for I/O and syntax errors, else the field path
     */
    public static ProxySnapshot load(Path file) throws ConfigException {
        return load(file, Wiring.standard());
    }

    /**
     * Parses {@code text}; {@code sourceName} (a file name) picks the format as {@link #load} does
     * and names the source in syntax errors.
     */
    public static ProxySnapshot parse(String text, String sourceName) throws ConfigException {
        return parse(text, sourceName, Wiring.standard());
    }

    /**
     * Checks and builds a Bootstrap made in code (the sidecar command builds one with
     * dynamic_resources pointing at its control plane), as {@link #load} does a file.
     *
     * @throws ConfigException naming the field path
     */
    public static ProxySnapshot build(Bootstrap bootstrap) throws ConfigException {
        Wiring wiring = Wiring.standard();
        wiring.subset.check(bootstrap, "");
        return wiring.snapshots.build(bootstrap, version(bootstrap.toByteArray()));
    }

    static ProxySnapshot load(Path file, Wiring wiring) throws ConfigException {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new ConfigException("", "cannot read " + file + ": " + describe(e), e);
        }
        return parse(text, file.toString(), wiring);
    }

    static ProxySnapshot parse(String text, String sourceName, Wiring wiring) throws ConfigException {
        JsonNode tree = readTree(text, sourceName);
        wiring.shape.check(tree, Bootstrap.getDescriptor());
        Bootstrap.Builder builder = Bootstrap.newBuilder();
        try {
            JsonFormat.parser().usingTypeRegistry(wiring.typeRegistry).merge(tree.toString(), builder);
        } catch (InvalidProtocolBufferException | RuntimeException e) {
            // The shape check has already parsed every value with its path; this is a last resort.
            throw new ConfigException("", JsonShapeChecker.valueError(e), e);
        }
        Bootstrap bootstrap = builder.build();
        wiring.subset.check(bootstrap, "");
        return wiring.snapshots.build(bootstrap, version(text.getBytes(StandardCharsets.UTF_8)));
    }

    private static JsonNode readTree(String text, String sourceName) throws ConfigException {
        ObjectMapper mapper = sourceName.toLowerCase(Locale.ROOT).endsWith(".json") ? JSON : YAML;
        try (JsonParser parser = mapper.createParser(text)) {
            // Envoy rejects duplicate keys too; silently keeping the last one hides mistakes.
            parser.enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
            JsonNode tree = mapper.readTree(parser);
            if (tree == null || tree.isMissingNode() || tree.isNull()) {
                throw new ConfigException("", sourceName + " is empty");
            }
            if (parser.nextToken() != null) {
                throw new ConfigException("", where(sourceName, parser.currentLocation())
                        + "only one document is allowed");
            }
            return tree;
        } catch (JsonProcessingException e) {
            throw new ConfigException("", where(sourceName, e.getLocation()) + summary(e.getOriginalMessage()), e);
        } catch (IOException e) {
            throw new ConfigException("", "cannot read " + sourceName + ": " + describe(e), e);
        }
    }

    private static String where(String sourceName, JsonLocation location) {
        if (location == null || location.getLineNr() < 1) {
            return sourceName + ": ";
        }
        return sourceName + " line " + location.getLineNr() + ", column " + location.getColumnNr() + ": ";
    }

    /**
     * The parser's message on one line. SnakeYAML's spans several: flush-left lines say what went
     * wrong (context first, problem last), indented ones quote the source and repeat positions.
     */
    private static String summary(String message) {
        if (message == null) {
            return "syntax error";
        }
        List<String> said = message.lines().filter(l -> !l.isBlank() && !Character.isWhitespace(l.charAt(0))).toList();
        if (said.size() <= 1) {
            return said.isEmpty() ? message.strip() : said.get(0);
        }
        return said.get(said.size() - 1) + " (" + String.join(", ", said.subList(0, said.size() - 1)) + ")";
    }

    /** A short reason for an I/O error, without the exception class. */
    static String describe(IOException e) {
        if (e instanceof NoSuchFileException) {
            return "no such file";
        }
        if (e instanceof AccessDeniedException) {
            return "permission denied";
        }
        if (e instanceof CharacterCodingException) {
            return "not UTF-8 text";
        }
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }

    private static String version(byte[] source) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(source);
            return "static-" + HexFormat.of().formatHex(digest, 0, 6);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    }

    /**
     * What a load consults besides this package: the supported subset, the route compiler and the
     * cluster validator (load balancing, circuit breakers). Tests inject their own;
     * {@link #standard()} wires the route, lb and upstream packages. Immutable once built.
     */
    static final class Wiring {
        private final SupportedFields fields;
        private final TypeRegistry typeRegistry;
        private final JsonShapeChecker shape;
        private final SubsetChecker subset;
        private final SnapshotBuilder snapshots;

        Wiring(SupportedFields fields, SnapshotBuilder.RouteCompiler routes, SnapshotBuilder.ClusterValidator clusters) {
            Map<String, Message> anyTypes = new LinkedHashMap<>();
            Map<String, Descriptor> anyDescriptors = new LinkedHashMap<>();
            TypeRegistry.Builder registry = TypeRegistry.newBuilder();
            for (Message m : BootstrapFields.anyTypes()) {
                anyTypes.put(m.getDescriptorForType().getFullName(), m);
                anyDescriptors.put(m.getDescriptorForType().getFullName(), m.getDescriptorForType());
                registry.add(m.getDescriptorForType());
            }
            this.fields = fields;
            this.typeRegistry = registry.build();
            this.shape = new JsonShapeChecker(anyDescriptors, BootstrapFields.extensionPoints());
            this.subset = new SubsetChecker(fields, anyTypes);
            this.snapshots = new SnapshotBuilder(subset, routes, clusters);
        }

        /** The production wiring, built once: this package's fields plus the route, lb and upstream packages'. */
        static Wiring standard() {
            return Standard.INSTANCE;
        }

        SupportedFields fields() {
            return fields;
        }

        SnapshotBuilder snapshots() {
            return snapshots;
        }

        SubsetChecker subset() {
            return subset;
        }

        private static final class Standard {
            static final Wiring INSTANCE = create();

            private static Wiring create() {
                SupportedFields fields = new SupportedFields();
                BootstrapFields.registerFields(fields);
                RouteTable.registerFields(fields);
                Authorization.registerFields(fields);
                AccessLogs.registerFields(fields);
                LoadBalancers.registerFields(fields);
                CircuitBreakers.registerFields(fields);
                return new Wiring(fields, RouteTable::compile, cluster -> {
                    LoadBalancers.validate(cluster);
                    CircuitBreakers.validate(cluster);
                });
            }
        }
    }
}
