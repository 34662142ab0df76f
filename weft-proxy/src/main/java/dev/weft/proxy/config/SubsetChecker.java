package dev.weft.proxy.config;

import com.google.protobuf.Any;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import java.util.List;
import java.util.Map;

/**
 * Walks every set field of a parsed config, unpacking typed_config Anys, and rejects the first one
 * outside the {@link SupportedFields} subset with its path. google.protobuf well-known types are
 * leaves. Immutable and thread-safe.
 */
final class SubsetChecker {
    static final String NOT_SUPPORTED = "is not supported by Weft (see docs/envoy-compat.md)";

    private final SupportedFields fields;
    private final Map<String, Message> anyTypes;

    /**
     * @param fields   the supported subset
     * @param anyTypes default instances of the types an Any may hold, by full name
     */
    SubsetChecker(SupportedFields fields, Map<String, Message> anyTypes) {
        this.fields = fields;
        this.anyTypes = Map.copyOf(anyTypes);
    }

    /** Throws for the first set field, at or below {@code path}, that Weft does not support. */
    void check(Message message, String path) throws ConfigException {
        for (Map.Entry<FieldDescriptor, Object> e : message.getAllFields().entrySet()) {
            FieldDescriptor field = e.getKey();
            String fieldPath = JsonShapeChecker.join(path, field.getName());
            if (!fields.isAllowed(field)) {
                throw new ConfigException(fieldPath, NOT_SUPPORTED);
            }
            if (field.getJavaType() != FieldDescriptor.JavaType.MESSAGE) {
                continue;
            }
            if (field.isMapField()) {
                FieldDescriptor key = field.getMessageType().findFieldByName("key");
                FieldDescriptor value = field.getMessageType().findFieldByName("value");
                for (Object entry : (List<?>) e.getValue()) {
                    Message m = (Message) entry;
                    if (m.getField(value) instanceof Message v) {
                        descend(v, fieldPath + "[\"" + m.getField(key) + "\"]");
                    }
                }
            } else if (field.isRepeated()) {
                List<?> list = (List<?>) e.getValue();
                for (int i = 0; i < list.size(); i++) {
                    descend((Message) list.get(i), fieldPath + "[" + i + "]");
                }
            } else {
                descend((Message) e.getValue(), fieldPath);
            }
        }
    }

    private void descend(Message m, String path) throws ConfigException {
        if (m instanceof Any any) {
            check(unpack(any, path), path);
        } else if (!isWellKnown(m.getDescriptorForType())) {
            check(m, path);
        }
    }

    /** The message packed in {@code any}, which must be of a supported type. */
    Message unpack(Any any, String path) throws ConfigException {
        String url = any.getTypeUrl();
        Message prototype = anyTypes.get(url.substring(url.lastIndexOf('/') + 1));
        if (prototype == null) {
            throw new ConfigException(path, url + " " + NOT_SUPPORTED);
        }
        try {
            return prototype.getParserForType().parseFrom(any.getValue());
        } catch (InvalidProtocolBufferException e) {
            throw new ConfigException(path, "cannot decode " + url + ": " + e.getMessage(), e);
        }
    }

    /** Whether {@code type} is one of google.protobuf's (Duration, UInt32Value, Struct...). */
    static boolean isWellKnown(Descriptor type) {
        return type.getFile().getPackage().equals("google.protobuf");
    }
}
