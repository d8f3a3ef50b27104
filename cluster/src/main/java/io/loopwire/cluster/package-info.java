/**
 * A {@code ChatRoom} spanning several processes through a NATS server: {@link io.loopwire.cluster.NatsRoomBridge}
 * publishes what local members say and delivers what other nodes said. Depends on loopwire-core's public API and on
 * jnats; core knows nothing of this package.
 */
package io.loopwire.cluster;
