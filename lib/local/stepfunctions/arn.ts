/** ARNs and names shaped like AWS's, so code that parses them works unchanged. */

export const LOCAL_ROLE_ARN = 'arn:aws:iam::000000000000:role/crowdstart-local-states';

export function stateMachineArn(region: string, accountId: string, name: string): string {
  return `arn:aws:states:${region}:${accountId}:stateMachine:${name}`;
}

/** `arn:aws:states:<region>:<account>:execution:<stateMachineName>:<executionName>`. */
export function executionArn(machineArn: string, executionName: string): string {
  const parts = machineArn.split(':');
  const [partition = 'aws', region = 'us-east-1', account = '000000000000'] = [parts[1], parts[3], parts[4]];
  const machineName = parts.slice(6).join(':');
  return `arn:${partition}:states:${region}:${account}:execution:${machineName}:${executionName}`;
}

export function regionOf(arn: string): string {
  return arn.split(':')[3] ?? 'us-east-1';
}

export function isArn(value: string): boolean {
  return /^arn:[\w-]+:states:[\w-]*:\d*:[\w-]+:.+/.test(value);
}

// 1–80 characters, none of: whitespace, brackets, wildcards, " # % \ ^ | ~ ` $ & , ; : /, control chars.
const FORBIDDEN_NAME_CHARS = /[\s<>{}[\]?*"#%\\^|~`$&,;:/\u0000-\u001f\u007f-\u009f]/;

/** Whether AWS would accept this as a state machine or execution name. */
export function isValidName(name: string): boolean {
  return name.length >= 1 && name.length <= 80 && !FORBIDDEN_NAME_CHARS.test(name);
}
