package dev.weft.api.gateway;

/** Matches the gRPC service (e.g. "helloworld.Greeter") and/or method (e.g. "SayHello"); a null part matches any. */
public record GrpcMethodMatch(MatchType type, String service, String method) {
}
