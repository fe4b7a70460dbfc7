export { AdvanceCommand } from './AdvanceCommand.ts';
export { FaultCommand } from './FaultCommand.ts';
export { simulationCommands } from './simulationCommands.ts';
export type { SimulationCommandConstraints } from './simulationCommands.ts';
export { runSimulatedModel } from './runSimulatedModel.ts';
export type { ModelInvariant, ModelRunOptions } from './runSimulatedModel.ts';
export type { FaultAction, SimulatedSystem } from './SimulatedSystem.ts';
