package io.loopwire.relay;

import java.nio.ByteBuffer;

/**
 * Sees what a {@link ChatRoom}'s own members say, so that a bridge can carry it elsewhere (another loop, another node)
 * and deliver it there with {@link ChatRoom#deliverForeign}. Lines that arrived through {@code deliverForeign} are
 * never shown to a listener: a bridge never hears its own deliveries, so it cannot echo them back.
 *
 * <p>Every line is the exact bytes the room's members receive ({@code [ip:port] text\n} or a
 * {@code * ip:port joined\n} notice), encoded once; a listener forwards those bytes instead of re-encoding. The buffer
 * is a view valid only during the call and must not be changed (copy it to keep it); its position and limit may be
 * moved.
 *
 * @implNote Called on the room's reactor thread, inside the room's own delivery: a listener must not block (hand the
 *     bytes to another thread through a bounded queue) and must not join or leave members.
 */
public interface RoomListener {

    /** {@code sender}, a member here, said something; {@code line} is the relayed line with its prefix. */
    void onMessage(Member sender, ByteBuffer line);

    /** {@code member} joined here; {@code notice} is the join notice the others got. */
    void onJoined(Member member, ByteBuffer notice);

    /** {@code member} left here; {@code notice} is the leave notice the others got. */
    void onLeft(Member member, ByteBuffer notice);
}
