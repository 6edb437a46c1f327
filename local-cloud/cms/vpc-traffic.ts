// What the network carries through an Elastic IP and an Internet Shared Bandwidth instance: the
// EIPs' demand, clipped at the bandwidth that applies at that moment. An EIP outside a package is
// clipped at its own bandwidth; the EIPs of a package share the package's bandwidth, each getting
// its share of the demand when the sum exceeds it (the package then carries exactly its bandwidth).
// Pure functions of (world, t), like traffic.ts.
import type { LocalBandwidthPackage, LocalEip } from '../vpc/model';
import { bandwidthAt, demandMbps, INBOUND_FRACTION, type MinuteStats, sampleMinute } from './traffic';

export interface VpcTrafficWorld {
  eips: Map<string, LocalEip>;
  bandwidthPackages: Map<string, LocalBandwidthPackage>;
}

export type VpcQuantity = 'outRate' | 'inRate' | 'outPercent';

function ownBandwidthAt(eip: LocalEip, t: number): number {
  return bandwidthAt({ bandwidthLog: eip.bandwidthLog, InternetMaxBandwidthOut: eip.Bandwidth }, t);
}

function packageBandwidthAt(pkg: LocalBandwidthPackage, t: number): number {
  return bandwidthAt({ bandwidthLog: pkg.bandwidthLog, InternetMaxBandwidthOut: pkg.Bandwidth }, t);
}

function membersOf(world: VpcTrafficWorld, packageId: string): LocalEip[] {
  return [...world.eips.values()].filter((eip) => eip.BandwidthPackageId === packageId);
}

/** Outbound traffic a package carries at `t`, Mbit/s: its EIPs' demand, at most its bandwidth. */
export function packageServedMbps(world: VpcTrafficWorld, pkg: LocalBandwidthPackage, t: number): number {
  const demand = membersOf(world, pkg.BandwidthPackageId).reduce((sum, eip) => sum + demandMbps(eip.demand, t), 0);
  return Math.min(demand, packageBandwidthAt(pkg, t));
}

/** Outbound traffic through an EIP at `t`, Mbit/s. */
export function eipServedMbps(world: VpcTrafficWorld, eip: LocalEip, t: number): number {
  const own = demandMbps(eip.demand, t);
  const pkg = eip.BandwidthPackageId ? world.bandwidthPackages.get(eip.BandwidthPackageId) : undefined;
  if (!pkg) return Math.min(own, ownBandwidthAt(eip, t));
  const total = membersOf(world, pkg.BandwidthPackageId).reduce((sum, member) => sum + demandMbps(member.demand, t), 0);
  const cap = packageBandwidthAt(pkg, t);
  return total <= cap || total === 0 ? own : (own * cap) / total;
}

/** One minute of an EIP's quantity: rates in bit/s, percent of the bandwidth that applies. */
export function eipMinuteStats(world: VpcTrafficWorld, eip: LocalEip, quantity: VpcQuantity, minuteStart: number): MinuteStats {
  return sampleMinute((t) => {
    if (quantity === 'inRate') return demandMbps(eip.demand, t) * INBOUND_FRACTION * 1e6;
    const served = eipServedMbps(world, eip, t);
    if (quantity === 'outRate') return served * 1e6;
    const pkg = eip.BandwidthPackageId ? world.bandwidthPackages.get(eip.BandwidthPackageId) : undefined;
    const cap = pkg ? packageBandwidthAt(pkg, t) : ownBandwidthAt(eip, t);
    return cap > 0 ? (served / cap) * 100 : 0;
  }, minuteStart);
}

/** One minute of a package's quantity: rates in bit/s, percent of its bandwidth. */
export function packageMinuteStats(world: VpcTrafficWorld, pkg: LocalBandwidthPackage, quantity: VpcQuantity, minuteStart: number): MinuteStats {
  return sampleMinute((t) => {
    if (quantity === 'inRate') {
      return membersOf(world, pkg.BandwidthPackageId).reduce((sum, eip) => sum + demandMbps(eip.demand, t), 0) * INBOUND_FRACTION * 1e6;
    }
    const served = packageServedMbps(world, pkg, t);
    if (quantity === 'outRate') return served * 1e6;
    const cap = packageBandwidthAt(pkg, t);
    return cap > 0 ? (served / cap) * 100 : 0;
  }, minuteStart);
}
