// The simulated clock lives beside the Clock interface it implements; the testkit is where
// integrators find it, with the rest of the simulation tools as they are added.
export { SimulatedClock } from '@portico/supervisor';
