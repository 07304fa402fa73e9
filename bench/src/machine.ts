import { cpus, loadavg, totalmem } from "node:os";

export interface Machine {
  cores: number;
  cpu_model: string;
  memory_gb: number;
  node: string;
  v8: string;
  platform: string;
  /** 1-minute load average when the suite started and ended: the machine is shared, so say how busy it was. */
  load_start: number;
  load_end: number;
  date: string;
}

export function describeMachine(loadStart: number): Machine {
  const cpuList = cpus();
  return {
    cores: cpuList.length,
    cpu_model: cpuList[0]?.model.trim() ?? "unknown",
    memory_gb: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    v8: process.versions.v8,
    platform: `${process.platform} ${process.arch}`,
    load_start: Math.round(loadStart * 100) / 100,
    load_end: Math.round((loadavg()[0] ?? 0) * 100) / 100,
    date: new Date().toISOString(),
  };
}
