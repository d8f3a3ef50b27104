package io.loopwire.relay;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The members of one {@link UdpRelay}: by address in the order they were last heard (the quietest first, so expiry
 * stops at the first live one), and counted per IP for the per-IP cap.
 *
 * @implNote Reactor thread only.
 */
final class UdpMembers {
    /** What expiry tells the relay for each member it removed. */
    @FunctionalInterface
    interface Expired {
        void expired(UdpMember member, long now);
    }

    private final LinkedHashMap<InetSocketAddress, UdpMember> byAddress = new LinkedHashMap<>(64, 0.75f, true);
    private final Map<InetAddress, int[]> perIp = new HashMap<>();
    private final int max;
    private final int maxPerIp;

    /** {@code maxPerIp}: {@link Integer#MAX_VALUE} for no per-IP cap. */
    UdpMembers(int max, int maxPerIp) {
        this.max = max;
        this.maxPerIp = maxPerIp;
    }

    int size() {
        return byAddress.size();
    }

    /** The member at {@code address}, now the most recently heard; null if there is none. */
    UdpMember heard(InetSocketAddress address) {
        return byAddress.get(address); // access order: the get moves it to the tail
    }

    /** Whether the caps leave no room for a member at {@code address} (the total, or its IP's share). */
    boolean full(InetSocketAddress address) {
        int[] fromIp = perIp.get(address.getAddress());
        return byAddress.size() >= max || (fromIp != null && fromIp[0] >= maxPerIp);
    }

    void add(UdpMember member) {
        byAddress.put(member.address(), member);
        int[] fromIp = perIp.get(member.address().getAddress());
        if (fromIp == null) {
            perIp.put(member.address().getAddress(), new int[] {1});
        } else {
            fromIp[0]++;
        }
    }

    void remove(UdpMember member) {
        byAddress.remove(member.address());
        uncount(member);
    }

    /**
     * Removes members not heard for {@code idleNanos}, quietest first, at most {@code limit}, telling {@code expired}
     * of each once it is gone. Returns whether more are due (the limit stopped it).
     */
    boolean expire(long now, long idleNanos, int limit, Expired expired) {
        int done = 0;
        for (Iterator<UdpMember> it = byAddress.values().iterator(); it.hasNext(); ) {
            UdpMember member = it.next();
            if (now - member.lastHeardNanos <= idleNanos) {
                return false; // access order: everyone after the first live member was heard later
            }
            if (done == limit) {
                return true;
            }
            it.remove();
            uncount(member);
            done++;
            expired.expired(member, now);
        }
        return false;
    }

    private void uncount(UdpMember member) {
        int[] fromIp = perIp.get(member.address().getAddress());
        if (fromIp != null && --fromIp[0] == 0) {
            perIp.remove(member.address().getAddress());
        }
    }
}
