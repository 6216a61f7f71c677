import { ConfigError } from "../core";

export interface OneCycleOptions {
  /** Fraction of the iterations spent warming up. Default 0.05. */
  pctStart?: number;
  /** The first learning rate is max / divFactor. Default 25. */
  divFactor?: number;
  /** The last learning rate is (max / divFactor) / finalDivFactor. Default 1e4. */
  finalDivFactor?: number;
}

function cosineAnneal(start: number, end: number, pct: number): number {
  return end + ((start - end) / 2) * (Math.cos(Math.PI * pct) + 1);
}

/**
 * The learning rate at `iteration` (0-based) of `total` under the one-cycle
 * schedule (docs/models.md, "Optimiser and schedule"), computed exactly as torch.optim.lr_scheduler.OneCycleLR
 * with anneal_strategy "cos" and no momentum cycling (the original runs used
 * it): cosine from max/25 up to max over the first 5 % of iterations, then
 * cosine down to (max/25)/1e4 at the last iteration.
 */
export function oneCycleLr(iteration: number, total: number, maxLr: number, options: OneCycleOptions = {}): number {
  const pctStart = options.pctStart ?? 0.05;
  const initial = maxLr / (options.divFactor ?? 25);
  const final = initial / (options.finalDivFactor ?? 1e4);
  if (!Number.isInteger(total) || total < 2)
    throw new ConfigError(`one-cycle schedule: total iterations must be an integer >= 2; found ${total}`);
  if (!(iteration >= 0 && iteration < total))
    throw new ConfigError(`one-cycle schedule: iteration must be in [0, ${total}); found ${iteration}`);
  const warmEnd = pctStart * total - 1;
  if (iteration <= warmEnd) return cosineAnneal(initial, maxLr, warmEnd > 0 ? iteration / warmEnd : 1);
  return cosineAnneal(maxLr, final, (iteration - warmEnd) / (total - 1 - warmEnd));
}
