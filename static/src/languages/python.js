import { python } from "@codemirror/lang-python";

export default () => python();
