package dev.weft.api.registry;

/** A port of a Service: its number, its protocol (default HTTP) and a name (null allowed for a Service with one port). */
public record ServicePort(String name, int port, ServiceProtocol protocol) {
}
