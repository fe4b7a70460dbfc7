import type { AnyActorLogic, InputFrom } from 'xstate';
import type { ChildSpec } from './ChildSpec.ts';
import { supervisorLogic, type SupervisorLogic } from './createSupervisor.ts';
import { InvalidSupervisorOptionError } from './errors.ts';
import { validateChildSpec, validateSupervisorOptions, type SupervisorOptions } from './SupervisorOptions.ts';

/**
 * The one spec every child of a template supervisor is made from. `input` turns the arguments a
 * child is started with into its input; without it, the arguments are the input.
 */
export interface ChildTemplate<TLogic extends AnyActorLogic = AnyActorLogic, TArgs = InputFrom<TLogic>>
  extends Omit<ChildSpec<TLogic>, 'id' | 'input' | 'significant'> {
  readonly input?: (args: TArgs) => InputFrom<TLogic>;
  /** Children are named `${idPrefix}-1`, `${idPrefix}-2`, …; default `child`. */
  readonly idPrefix?: string;
}

export interface TemplateSupervisorOptions<TLogic extends AnyActorLogic = AnyActorLogic, TArgs = InputFrom<TLogic>>
  extends Omit<SupervisorOptions, 'children' | 'strategy' | 'autoShutdown'> {
  readonly template: ChildTemplate<TLogic, TArgs>;
}

/**
 * A supervisor of many like children made from one template, started with arguments (OTP's
 * `simple_one_for_one`, Elixir's `DynamicSupervisor`): for a varying number of like actors, such
 * as one per connection or per job. It starts with no children; `startTemplateChild(ref, args)`
 * starts one and resolves to its id and actor. Each child restarts on its own (one_for_one) by the
 * template's restart type, within the supervisor's intensity; a child that is terminated, or that
 * ends and is not restarted, is removed, as OTP removes it. Lookups and commands cost the same at
 * any number of children.
 *
 * @example
 * const sessions = createActor(
 *   createTemplateSupervisor({ intensity: 10, period: 60, template: { logic: sessionMachine, restart: 'transient', input: (socket: Socket) => ({ socket }) } }),
 *   { clock },
 * ).start();
 * const result = await startTemplateChild(sessions, socket);
 * if (result.ok) console.log(`session ${result.id} started`);
 */
export function createTemplateSupervisor<TLogic extends AnyActorLogic, TArgs = InputFrom<TLogic>>(
  options: TemplateSupervisorOptions<TLogic, TArgs>,
): SupervisorLogic {
  const { template, ...rest } = options ?? ({} as TemplateSupervisorOptions<TLogic, TArgs>);
  validateSupervisorOptions(rest);
  for (const option of ['children', 'strategy', 'autoShutdown'] as const) {
    if (option in rest) throw new InvalidSupervisorOptionError(option, 'cannot be given to a template supervisor: its children come from the template, one_for_one, with no auto-shutdown');
  }
  if (typeof template !== 'object' || template === null) throw new InvalidSupervisorOptionError('template', 'must be a child template object (logic, restart, shutdown, input …)');
  const { input, idPrefix, ...spec } = template;
  if (input !== undefined && typeof input !== 'function') throw new InvalidSupervisorOptionError('template.input', 'must be a function from the start arguments to the input');
  if (idPrefix !== undefined && (typeof idPrefix !== 'string' || idPrefix.length === 0)) {
    throw new InvalidSupervisorOptionError('template.idPrefix', `must be a non-empty string, got ${JSON.stringify(idPrefix)}`);
  }
  validateChildSpec({ ...spec, id: idPrefix ?? 'child' } as ChildSpec, 'template');
  const prefix = idPrefix ?? 'child';
  return supervisorLogic({ ...rest, strategy: 'one_for_one', children: [] }, {
    specFor: (args: unknown, seq: number) => ({ ...spec, id: `${prefix}-${seq}`, input: input ? input(args as TArgs) : args }) as ChildSpec,
  });
}
