// Types of bench-kit.mjs, for the TypeScript benches.
export interface MachineInfo {
  cpu: string;
  cores: number;
  memGiB: number;
  node: string;
  platform: string;
}
export function loadNow(): string;
export function machineInfo(): MachineInfo;
export function machineLine(m?: MachineInfo): string;
export function photosUnder(dir: string): string[];
export function peopleOf(files: readonly string[]): Array<[string, string[]]>;
export function enrollAndShow(name: string, photos: string[]): { name: string; enroll: string[]; show: string[] };
export function cameraFrame(file: string): Promise<{ width: number; height: number; rgba: Uint8Array<ArrayBuffer> }>;
