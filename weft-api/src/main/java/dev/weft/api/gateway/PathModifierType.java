package dev.weft.api.gateway;

/** How a {@link PathModifier} replaces the path, and the YAML field that carries its value. */
public enum PathModifierType {
    REPLACE_FULL_PATH("ReplaceFullPath", "replaceFullPath"),
    REPLACE_PREFIX_MATCH("ReplacePrefixMatch", "replacePrefixMatch");

    private final String wireName;
    private final String valueField;

    PathModifierType(String wireName, String valueField) {
        this.wireName = wireName;
        this.valueField = valueField;
    }

    /** The spelling in YAML. */
    public String wireName() {
        return wireName;
    }

    /** The YAML field holding the replacement. */
    public String valueField() {
        return valueField;
    }
}
