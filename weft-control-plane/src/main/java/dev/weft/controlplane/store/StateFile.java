package dev.weft.controlplane.store;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.weft.api.Resource;
import dev.weft.api.ResourceException;
import dev.weft.api.ResourceLoader;
import dev.weft.api.ResourceWriter;
import dev.weft.ca.SpiffeId;
import dev.weft.api.registry.ServiceProtocol;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The one file in the data directory that holds the control plane's state, as JSON. It is replaced atomically
 * (written to a temporary file, forced to disk, then renamed over the old one), so a crash leaves either the old or
 * the new state, never a torn file. Not thread-safe: its owner serialises writes.
 */
public final class StateFile {

    /** The name of the state file inside the data directory. */
    public static final String FILE_NAME = "state.json";
    private static final int FORMAT = 1;
    private static final ObjectMapper JSON = JsonMapper.builder().build();

    private final Path file;
    private final Path temporary;

    public StateFile(Path dataDirectory) {
        this.file = dataDirectory.resolve(FILE_NAME);
        this.temporary = dataDirectory.resolve(FILE_NAME + ".tmp");
    }

    public Path path() {
        return file;
    }

    /** The stored state, or {@link StoredState#EMPTY} when there is no file yet. */
    public StoredState load() throws IOException {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            return StoredState.EMPTY;
        }
        JsonNode root;
        try {
            root = JSON.readTree(bytes);
        } catch (JsonProcessingException e) {
            throw new CorruptStateException(file, "not JSON: " + e.getOriginalMessage(), e);
        }
        if (root == null || !root.isObject() || root.path("format").asInt() != FORMAT
                || !root.path("generation").canConvertToLong() || !root.path("resources").isObject()
                || !root.path("instances").isArray()) {
            throw new CorruptStateException(file, "expected {\"format\": " + FORMAT
                    + ", \"generation\", \"resources\", \"instances\"}", null);
        }
        List<Resource<?>> resources;
        try {
            resources = new ResourceLoader().load(root.get("resources").toString(), file.toString()).resources();
        } catch (ResourceException e) {
            throw new CorruptStateException(file, e.getMessage(), e);
        }
        List<PersistedInstance> instances = new ArrayList<>();
        JsonNode list = root.get("instances");
        for (int i = 0; i < list.size(); i++) {
            instances.add(instance(list.get(i), i));
        }
        return new StoredState(root.get("generation").asLong(), resources, instances);
    }

    /** Replaces the file with {@code state}. */
    public void write(StoredState state) throws IOException {
        ObjectNode root = JSON.createObjectNode();
        root.put("format", FORMAT);
        root.put("generation", state.generation());
        ObjectNode resources = root.putObject("resources");
        resources.put("apiVersion", "v1");
        resources.put("kind", "List");
        ArrayNode items = resources.putArray("items");
        state.resources().forEach(r -> items.add(ResourceWriter.toTree(r)));
        ArrayNode instances = root.putArray("instances");
        for (PersistedInstance instance : state.instances()) {
            ObjectNode node = instances.addObject();
            node.put("namespace", instance.namespace());
            node.put("name", instance.name());
            node.put("service", instance.service());
            node.put("address", instance.address());
            node.put("port", instance.port());
            if (instance.protocol() != null) {
                node.put("protocol", instance.protocol().name());
            }
            ObjectNode labels = node.putObject("labels");
            instance.labels().forEach(labels::put);
            if (instance.ttl() != null) {
                node.put("ttlMillis", instance.ttl().toMillis());
            }
            node.put("source", instance.source());
            if (instance.identity() != null) {
                node.put("identity", instance.identity().toString());
            }
        }
        byte[] bytes = JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(root);
        Files.createDirectories(file.getParent());
        try (FileChannel channel = FileChannel.open(temporary, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer buffer = ByteBuffer.wrap(bytes);
            while (buffer.hasRemaining()) {
                channel.write(buffer);
            }
            channel.force(true);
        }
        Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    private PersistedInstance instance(JsonNode node, int index) throws CorruptStateException {
        String where = "instances[" + index + "]";
        try {
            Map<String, String> labels = new LinkedHashMap<>();
            node.path("labels").properties().forEach(e -> labels.put(e.getKey(), e.getValue().asText()));
            JsonNode protocol = node.get("protocol");
            JsonNode ttl = node.get("ttlMillis");
            JsonNode identity = node.get("identity");
            return new PersistedInstance(text(node, "namespace"), text(node, "name"), text(node, "service"),
                    text(node, "address"), node.path("port").asInt(),
                    protocol == null ? null : ServiceProtocol.valueOf(protocol.asText()), labels,
                    ttl == null ? null : Duration.ofMillis(ttl.asLong()), text(node, "source"),
                    identity == null ? null : SpiffeId.parse(identity.asText()));
        } catch (RuntimeException e) {
            throw new CorruptStateException(file, where + ": " + e.getMessage(), e);
        }
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        if (value == null || !value.isTextual()) {
            throw new IllegalArgumentException(field + " is missing");
        }
        return value.asText();
    }
}
