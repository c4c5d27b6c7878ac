// Which embedding space an engine runs: the one it is started with, else its own default.
import { AppError } from '../../shared/errors';
import { DEFAULT_ENCODER, ENCODER_CONFIGS, type EncoderConfig } from './encoder-configs';

export function encoderConfigOf(id: string): EncoderConfig {
  const cfg = Object.hasOwn(ENCODER_CONFIGS, id) ? ENCODER_CONFIGS[id] : undefined;
  if (!cfg)
    throw new AppError(
      'INVALID_INPUT',
      `Unknown encoder "${id}": use one of ${Object.keys(ENCODER_CONFIGS).join(', ')}.`,
    );
  return cfg;
}

/**
 * The engine's default: the one it was built with, else PRESENCE_ENCODER (another embedding space for
 * evaluation runs, bench/RESULTS.md), else the shipped DEFAULT_ENCODER.
 */
export function defaultEncoderConfig(explicit?: EncoderConfig | string): EncoderConfig {
  if (typeof explicit === 'string') return encoderConfigOf(explicit);
  if (explicit) return explicit;
  const fromEnv = process.env.PRESENCE_ENCODER;
  return fromEnv ? encoderConfigOf(fromEnv) : DEFAULT_ENCODER;
}

export function isKnownEncoder(id: string): boolean {
  return Object.hasOwn(ENCODER_CONFIGS, id);
}
